/**
 * This machine as kexec sees it, read from /proc and /sys under a root directory (the real "/",
 * or a fake tree in tests): {@link efikexec.kexec.host.HostSystem} reads the files,
 * {@link efikexec.kexec.host.KexecPermission} says whether kexec_load may be called and why
 * not, {@link efikexec.kexec.host.HostTarget} is the target description a bundle for this
 * machine is made for.
 */
package efikexec.kexec.host;
