/**
 * kexec_load(2) and reboot(2) through JNA: {@link efikexec.kexec.syscall.KexecSegmentTable}
 * lays out the struct kexec_segment array (pure, tested against recorded bytes),
 * {@link efikexec.kexec.syscall.LinuxKexec} makes the calls.
 */
package efikexec.kexec.syscall;
