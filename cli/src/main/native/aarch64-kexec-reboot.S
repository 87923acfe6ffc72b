/*
 * efikexec-reboot (arm64): sync(2), then reboot(2) with LINUX_REBOOT_CMD_KEXEC; see the x86_64
 * source for why it exists. Generic syscall numbers (asm-generic/unistd.h).
 */
	.text
	.globl	_start
_start:
	mov	x8, #81			// sync
	svc	#0
	movz	x0, #0xdead		// LINUX_REBOOT_MAGIC1 0xfee1dead
	movk	x0, #0xfee1, lsl #16
	movz	x1, #0x1969		// LINUX_REBOOT_MAGIC2 672274793 = 0x28121969
	movk	x1, #0x2812, lsl #16
	movz	x2, #0x4543		// LINUX_REBOOT_CMD_KEXEC 0x45584543
	movk	x2, #0x4558, lsl #16
	mov	x3, #0
	mov	x8, #142		// reboot
	svc	#0
	mov	x0, #1			// it failed: exit(1)
	mov	x8, #93
	svc	#0
