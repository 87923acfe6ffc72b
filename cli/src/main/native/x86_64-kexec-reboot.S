/*
 * efikexec-reboot (x86_64): sync(2), then reboot(2) with LINUX_REBOOT_CMD_KEXEC, as `kexec -e`
 * does. The launcher runs it for `efikexec exec` when an image is loaded: starting a JVM first
 * costs ~2 s on a small machine (5 s in a TCG guest), all of it between the command and the
 * new kernel. It says nothing: on failure it exits 1 and the launcher runs the Java `exec`,
 * which finds and names the reason (lockdown, permissions, nothing loaded).
 */
	.text
	.globl	_start
_start:
	mov	$162, %eax		# sync
	syscall
	mov	$169, %eax		# reboot(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, 0)
	mov	$0xfee1dead, %edi
	mov	$672274793, %esi
	mov	$0x45584543, %edx
	xor	%r10d, %r10d
	syscall
	mov	$60, %eax		# reboot returned: it failed; exit(1)
	mov	$1, %edi
	syscall
