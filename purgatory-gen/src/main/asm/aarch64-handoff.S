/*
 * efikexec arm64 handoff stub (our purgatory, issue 6): checks the SHA-256 of every segment of a
 * handoff bundle, then enters the kernel as the EFI stub would have (MMU and D-cache off, x0 = FDT);
 * on a mismatch it prints one line on the PL011 it was given and halts, never entering the kernel.
 *
 * Position independent: only PC-relative addressing (adr, b, bl), so the loader may place it at any
 * 4 KiB-aligned address. The Java side (efikexec.purgatory.stub.Aarch64HandoffStub) appends the
 * parameter block right after these bytes, at the label `params` (the last thing in .text):
 *
 *   u64 magic "EFXHNDOF" (0x464f444e48584645)   +0
 *   u64 uart  (PL011 base; 0 = no console)      +8
 *   u64 entry (kernel entry pc)                 +16
 *   u64 x0, x1, x2, x3 at kernel entry          +24
 *   u64 count                                   +56
 *   count x { u64 addr; u64 size; u64 zeros; u8 sha256[32] }  +64, 56 bytes each
 *
 * A segment is checked in two parts: SHA-256 over its first `size` bytes (the bytes the loader
 * copied, bufsz), then the `zeros` bytes after them must all read zero (what the loader zero-fills,
 * memsz - bufsz: BSS, page rounding, runs of zero pages the packer split off). Checking zeros is
 * a load and an orr per 16 bytes instead of SHA-256's ~1.5 (SHA2) or ~28 (scalar) instructions
 * per byte, and proves the same: the memory holds exactly what the bundle says.
 *
 * No stack. sp is never used: the loader (QEMU's -device loader, kexec) gives no stack, and one
 * placed outside the stub would be memory the bundle must keep free. The hash routines work in
 * registers; what must survive a call (return addresses, the segment index, the state between block
 * batches, the tail block) lives in a 256-byte scratch area inside the stub, before `params`. So the
 * stub reads and writes nothing but its own bytes, the segments (read only) and the UART.
 *
 * Runs at EL1 or EL2 with the MMU off (data accesses are then Device memory: every access below is
 * aligned to its size; segments must be 4-byte aligned, the bundle's are page aligned).
 *
 * Entry table (fixed offsets, the Java side and the tests rely on them):
 *   +0   b main            the handoff
 *   +4   b sha256_sha2     SHA-256 with the ARMv8 SHA2 instructions (enables FP/SIMD itself)
 *   +8   b sha256_scalar   SHA-256 with general-purpose registers only
 *   +12  b putc            w0 = character, x21 = PL011 base (the tests hook it to read the console)
 *   +16  b halt            where the stub parks after a mismatch (wfe loop; tests stop there)
 * sha256_*: x0 = data (4-byte aligned), x1 = length in bytes, x2 = 32-byte output (8-byte aligned);
 * return with ret to x30; x0-x29, v0-v31 and the flags are clobbered. They keep their state in the
 * stub's scratch area: calls do not nest, and the stub must lie in writable memory.
 *
 * Cache maintenance: before hashing a segment, dc civac over it (the loader wrote it through the
 * caches; with the MMU off we and then the kernel read memory). Before entering the kernel, SCTLR_ELx
 * M and C cleared (normally clear already), ic iallu, dsb, isb.
 */
	.arch	armv8-a+crypto
	.text

	.equ	MAGIC_0, 0x4645		// "EFXHNDOF" as a little-endian u64, 16 bits at a time
	.equ	MAGIC_1, 0x4858
	.equ	MAGIC_2, 0x444e
	.equ	MAGIC_3, 0x464f

	.equ	P_MAGIC, 0		// parameter block
	.equ	P_UART, 8
	.equ	P_ENTRY, 16
	.equ	P_X0, 24
	.equ	P_X2, 40
	.equ	P_COUNT, 56
	.equ	P_SEGS, 64
	.equ	SEG_SIZE, 56
	.equ	SEG_ZEROS, 16
	.equ	SEG_SHA, 24

	.equ	S_H, 0			// scratch: hash state, 8 native u32 between block batches
	.equ	S_DIGEST, 32		// main: the digest of the current segment
	.equ	S_LR, 64		// sha256_run: return address, output, length, block function
	.equ	S_OUT, 72
	.equ	S_LEN, 80
	.equ	S_FN, 88
	.equ	S_BLR, 96		// blocks_scalar: return address (it needs all 31 registers)
	.equ	S_SEG, 104		// main: segment index
	.equ	S_HASH, 112		// main: sha256_sha2 or sha256_scalar
	.equ	S_BUF, 128		// 128 bytes: the padded tail (one or two blocks), number text
	.equ	S_SIZE, 256

	.equ	UARTFR, 0x18		// PL011 flag register; TXFF (transmit FIFO full) is bit 5
	.equ	TXFF_BIT, 5
	.equ	SCTLR_M, 1 << 0
	.equ	SCTLR_C, 1 << 2
	.equ	SCTLR_EE, 1 << 25	// data accesses at this EL are big-endian

/* ------------------------------------------------------------------------------ SHA-256 macros */

// Four rounds with the message schedule: \m0 = W[t..t+3] becomes W[t+16..t+19].
.macro	qrounds_sched m0, m1, m2, m3, k
	add	v8.4s, \m0\().4s, \k\().4s
	sha256su0 \m0\().4s, \m1\().4s
	mov	v9.16b, v0.16b
	sha256h	q0, q1, v8.4s
	sha256h2 q1, q9, v8.4s
	sha256su1 \m0\().4s, \m2\().4s, \m3\().4s
.endm

.macro	qrounds m0, k
	add	v8.4s, \m0\().4s, \k\().4s
	mov	v9.16b, v0.16b
	sha256h	q0, q1, v8.4s
	sha256h2 q1, q9, v8.4s
.endm

.macro	sha2_loop rev
1:
	.if	\rev
	ld1	{v4.16b-v7.16b}, [x0], #64
	rev32	v4.16b, v4.16b
	rev32	v5.16b, v5.16b
	rev32	v6.16b, v6.16b
	rev32	v7.16b, v7.16b
	.else
	ld1	{v4.4s-v7.4s}, [x0], #64
	.endif
	mov	v2.16b, v0.16b
	mov	v3.16b, v1.16b
	// rounds 0-3: v2 already holds ABCD, no copy needed
	add	v8.4s, v4.4s, v16.4s
	sha256su0 v4.4s, v5.4s
	sha256h	q0, q1, v8.4s
	sha256h2 q1, q2, v8.4s
	sha256su1 v4.4s, v6.4s, v7.4s
	qrounds_sched v5, v6, v7, v4, v17
	qrounds_sched v6, v7, v4, v5, v18
	qrounds_sched v7, v4, v5, v6, v19
	qrounds_sched v4, v5, v6, v7, v20
	qrounds_sched v5, v6, v7, v4, v21
	qrounds_sched v6, v7, v4, v5, v22
	qrounds_sched v7, v4, v5, v6, v23
	qrounds_sched v4, v5, v6, v7, v24
	qrounds_sched v5, v6, v7, v4, v25
	qrounds_sched v6, v7, v4, v5, v26
	qrounds_sched v7, v4, v5, v6, v27
	qrounds	v4, v28
	qrounds	v5, v29
	qrounds	v6, v30
	qrounds	v7, v31
	add	v0.4s, v0.4s, v2.4s
	add	v1.4s, v1.4s, v3.4s
	subs	x1, x1, #1
	b.ne	1b
.endm

// One round: h becomes the new a (T1 + T2), d += T1.
.macro	round a, b, c, d, e, f, g, h, w, ab, bc
	ldr	w27, [x2], #4
	add	\h, \h, \w
	add	\h, \h, w27		// + K[t] + W[t]
	ror	w27, \e, #6
	eor	w27, w27, \e, ror #11
	eor	w27, w27, \e, ror #25
	add	\h, \h, w27		// + Sigma1(e)
	bic	w27, \g, \e
	and	w28, \e, \f
	add	\h, \h, w27
	add	\h, \h, w28		// + Ch(e, f, g): its two halves share no bits
	add	\d, \d, \h		// d += T1
	eor	\ab, \a, \b
	ror	w27, \a, #2
	eor	w27, w27, \a, ror #13
	eor	w27, w27, \a, ror #22
	add	\h, \h, w27		// + Sigma0(a)
	and	w28, \ab, \bc
	eor	w28, w28, \b
	add	\h, \h, w28		// + Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c))
.endm

.macro	schedule wi, w1, w9, w14
	ror	w27, \w1, #7
	eor	w27, w27, \w1, ror #18
	eor	w27, w27, \w1, lsr #3
	add	\wi, \wi, w27		// + sigma0(W[i+1])
	ror	w28, \w14, #17
	eor	w28, w28, \w14, ror #19
	eor	w28, w28, \w14, lsr #10
	add	\wi, \wi, w28		// + sigma1(W[i+14])
	add	\wi, \wi, \w9
.endm

	.globl	_start
_start:
	b	main
	b	sha256_sha2
	b	sha256_scalar
	b	putc
	b	halt

/* ---------------------------------------------------------------------------------------- main */

main:
	msr	daifset, #0xf		// the boot protocol wants interrupts masked; nothing here takes one
	adr	x9, params
	ldr	x10, [x9, #P_MAGIC]
	movz	x11, #MAGIC_0
	movk	x11, #MAGIC_1, lsl #16
	movk	x11, #MAGIC_2, lsl #32
	movk	x11, #MAGIC_3, lsl #48
	cmp	x10, x11
	b.ne	halt			// no block: no console to say so either

	// ARMv8 SHA2 instructions when ID_AA64ISAR0_EL1.SHA2 (bits [15:12]) says they exist
	mrs	x10, id_aa64isar0_el1
	ubfx	x10, x10, #12, #4
	adr	x11, sha256_scalar
	cbz	x10, 1f
	adr	x11, sha256_sha2
1:	adr	x9, scratch
	stp	xzr, x11, [x9, #S_SEG]	// S_SEG = 0, S_HASH = the routine

next_segment:
	adr	x9, scratch
	ldr	x20, [x9, #S_SEG]
	adr	x10, params
	ldr	x11, [x10, #P_COUNT]
	cmp	x20, x11
	b.hs	enter
	mov	x12, #SEG_SIZE
	madd	x22, x20, x12, x10
	add	x22, x22, #P_SEGS	// x22 = this segment's record
	ldp	x0, x1, [x22]		// addr, size
	ldr	x17, [x22, #SEG_ZEROS]

	// Clean and invalidate the segment to the point of coherency: the loader wrote it through
	// the caches, and with the MMU off we (and then the kernel) read memory, not the caches.
	mrs	x14, ctr_el0
	ubfx	x14, x14, #16, #4	// DminLine: log2 of the smallest D-cache line in words
	mov	x15, #4
	lsl	x15, x15, x14
	sub	x16, x15, #1
	bic	x16, x0, x16
	add	x17, x17, x0
	add	x17, x17, x1		// the zero tail too
2:	cmp	x16, x17
	b.hs	3f
	dc	civac, x16
	add	x16, x16, x15
	b	2b
3:	dsb	sy

	add	x2, x9, #S_DIGEST
	ldr	x11, [x9, #S_HASH]
	blr	x11			// clobbers everything; state is back in scratch

	adr	x9, scratch
	ldr	x20, [x9, #S_SEG]
	adr	x10, params
	mov	x12, #SEG_SIZE
	madd	x22, x20, x12, x10
	add	x22, x22, #P_SEGS
	ldp	x10, x11, [x22, #SEG_SHA]
	ldp	x12, x13, [x9, #S_DIGEST]
	eor	x10, x10, x12
	eor	x11, x11, x13
	orr	x16, x10, x11
	ldp	x10, x11, [x22, #SEG_SHA + 16]
	ldp	x12, x13, [x9, #S_DIGEST + 16]
	eor	x10, x10, x12
	eor	x11, x11, x13
	orr	x16, x16, x10
	orr	x16, x16, x11
	cbnz	x16, mismatch

	// The zero tail, [addr + size, + zeros): bytes up to a 16-byte boundary, then 16 at a time
	// (ldp of x registers is aligned to 8, as Device memory wants), then the last bytes.
	ldp	x0, x1, [x22]
	ldr	x2, [x22, #SEG_ZEROS]
	add	x0, x0, x1
	add	x2, x2, x0		// x2 = end
4:	tst	x0, #15
	b.eq	5f
	cmp	x0, x2
	b.hs	7f
	ldrb	w10, [x0], #1
	cbnz	w10, nonzero
	b	4b
5:	sub	x3, x2, x0
	lsr	x3, x3, #4
	cbz	x3, 6f
51:	ldp	x10, x11, [x0], #16
	orr	x10, x10, x11
	cbnz	x10, nonzero
	subs	x3, x3, #1
	b.ne	51b
6:	cmp	x0, x2
	b.hs	7f
	ldrb	w10, [x0], #1
	cbnz	w10, nonzero
	b	6b
7:	add	x20, x20, #1
	str	x20, [x9, #S_SEG]
	b	next_segment

enter:
	// Boot protocol: MMU and D-cache off. Normally both are off already (QEMU's loader, kexec's
	// cpu_soft_restart); if not, the code must be identity mapped for this to survive.
	bl	sctlr_read
	bic	x9, x9, #SCTLR_M
	bic	x9, x9, #SCTLR_C	// (M and C are not one bitmask immediate)
	bl	sctlr_write
	// The I-cache may hold lines of whatever was at the kernel's addresses before the loader
	// wrote them.
	ic	iallu
	dsb	sy
	isb
	adr	x10, params
	ldr	x16, [x10, #P_ENTRY]
	ldp	x0, x1, [x10, #P_X0]
	ldp	x2, x3, [x10, #P_X2]
	br	x16

nonzero:	// x20 = segment index, x22 = its record
	adr	x23, msg_nonzero
	b	report
mismatch:	// x20 = segment index, x22 = its record
	adr	x23, msg_mismatch
report:		// x23 = the line's end
	adr	x10, params
	ldr	x21, [x10, #P_UART]
	cbz	x21, halt
	adr	x0, msg_segment
	bl	puts
	mov	x0, x20
	mov	x13, #10
	bl	put_number
	adr	x0, msg_open
	bl	puts
	ldr	x0, [x22]
	mov	x13, #16
	bl	put_number
	adr	x0, msg_comma
	bl	puts
	ldp	x0, x1, [x22, #8]	// size + zeros: the segment's memsz
	add	x0, x0, x1
	mov	x13, #10
	bl	put_number
	mov	x0, x23
	bl	puts
halt:
	wfe
	b	halt

/* ------------------------------------------------------------------------------------- console */

// putc: w0 = character, x21 = PL011 base. Clobbers x9.
putc:
	ldr	w9, [x21, #UARTFR]
	tbnz	w9, #TXFF_BIT, putc
	str	w0, [x21]		// UARTDR is a 32-bit register
	ret

// puts: x0 = NUL-terminated string, x21 = PL011 base. Clobbers x0, x9, x10, x16.
puts:
	mov	x16, x30
	mov	x10, x0
1:	ldrb	w0, [x10], #1
	cbz	w0, 2f
	bl	putc
	b	1b
2:	ret	x16

// put_number: x0 = value, x13 = base (10 or 16), lowercase digits, no prefix. Clobbers x0, x9-x16.
put_number:
	adr	x11, scratch + S_BUF + 32
	strb	wzr, [x11, #-1]!
1:	udiv	x12, x0, x13
	msub	x14, x12, x13, x0
	add	w15, w14, #'0'
	add	w14, w14, #'a' - 10
	cmp	x14, #'a'		// digit + 'a' - 10 < 'a': a decimal digit
	csel	w14, w15, w14, lo
	strb	w14, [x11, #-1]!
	mov	x0, x12
	cbnz	x0, 1b
	mov	x0, x11
	b	puts

msg_segment:	.asciz	"efikexec handoff: segment "
msg_open:	.asciz	" (0x"
msg_comma:	.asciz	", "
msg_mismatch:	.asciz	" bytes): SHA-256 mismatch\n"
msg_nonzero:	.asciz	" bytes): not zero past its stored bytes\n"
	.balign	4

/* ---------------------------------------------------------------------------------- SCTLR_ELx */

// sctlr_read: x9 = SCTLR of the current EL (EL2 or EL1). Clobbers x10.
sctlr_read:
	mrs	x10, CurrentEL
	cmp	x10, #(2 << 2)
	b.eq	1f
	mrs	x9, sctlr_el1
	ret
1:	mrs	x9, sctlr_el2
	ret

// sctlr_write: SCTLR of the current EL = x9, then isb. Clobbers x10.
sctlr_write:
	mrs	x10, CurrentEL
	cmp	x10, #(2 << 2)
	b.eq	1f
	msr	sctlr_el1, x9
	isb
	ret
1:	msr	sctlr_el2, x9
	isb
	ret

/* ------------------------------------------------------------------------------------- SHA-256 */

sha256_scalar:
	adr	x3, blocks_scalar
	b	sha256_run

sha256_sha2:
	// FP/SIMD may trap (reset leaves CPACR_EL1.FPEN = 0). At EL2 CPTR_EL2.TFP (bit 10, RES0
	// when HCR_EL2.E2H = 1) must be clear; CPACR_EL1.FPEN = 3 enables it at EL1, and with E2H = 1
	// this write reaches CPTR_EL2.FPEN at EL2 (at EL2 without E2H it only touches EL1: harmless).
	mrs	x9, CurrentEL
	cmp	x9, #(2 << 2)
	b.ne	1f
	mrs	x10, cptr_el2
	bic	x10, x10, #(1 << 10)
	msr	cptr_el2, x10
1:	mrs	x10, cpacr_el1
	orr	x10, x10, #(3 << 20)
	msr	cpacr_el1, x10
	isb
	adr	x3, blocks_sha2
	// fall through

// sha256_run: x0 = data, x1 = length, x2 = output, x3 = block function. The block function takes
// x0 = 64-byte blocks, x1 = how many (at least 1), the state at scratch S_H, and returns x0 past
// the blocks with the state written back; it may clobber every register but x30.
sha256_run:
	adr	x9, scratch
	stp	x30, x2, [x9, #S_LR]
	stp	x1, x3, [x9, #S_LEN]
	adr	x10, sha256_h0
	ldp	x11, x12, [x10]
	ldp	x13, x14, [x10, #16]
	stp	x11, x12, [x9, #S_H]
	stp	x13, x14, [x9, #S_H + 16]
	lsr	x1, x1, #6
	cbz	x1, 1f
	blr	x3			// the whole blocks, read in place
1:	adr	x9, scratch
	ldr	x1, [x9, #S_LEN]
	and	x2, x1, #63		// tail bytes, copied to the tail buffer (never reads past the data)
	add	x10, x9, #S_BUF
	stp	xzr, xzr, [x10]
	stp	xzr, xzr, [x10, #16]
	stp	xzr, xzr, [x10, #32]
	stp	xzr, xzr, [x10, #48]
	stp	xzr, xzr, [x10, #64]
	stp	xzr, xzr, [x10, #80]
	stp	xzr, xzr, [x10, #96]
	stp	xzr, xzr, [x10, #112]
	mov	x11, #0
2:	cmp	x11, x2
	b.eq	3f
	ldrb	w12, [x0, x11]
	strb	w12, [x10, x11]
	add	x11, x11, #1
	b	2b
3:	mov	w12, #0x80
	strb	w12, [x10, x2]
	// 0x80 and the 8-byte length fit after up to 55 tail bytes: one block, else two
	cmp	x2, #56
	mov	x11, #64
	mov	x12, #128
	csel	x11, x11, x12, lo
	lsl	x12, x1, #3
	rev	x12, x12		// the bit length, big-endian, ends the last block
	add	x13, x10, x11
	str	x12, [x13, #-8]
	lsr	x1, x11, #6
	mov	x0, x10
	ldr	x3, [x9, #S_FN]
	blr	x3
	adr	x9, scratch		// digest = the state words, big-endian
	ldp	x30, x2, [x9, #S_LR]
	ldp	x10, x11, [x9, #S_H]
	ldp	x12, x13, [x9, #S_H + 16]
	rev32	x10, x10
	rev32	x11, x11
	rev32	x12, x12
	rev32	x13, x13
	stp	x10, x11, [x2]
	stp	x12, x13, [x2, #16]
	ret

/*
 * blocks_sha2: 4 rounds per sha256h/sha256h2 pair. Message words are big-endian; rather than
 * rev32 on every block (4 of ~98 instructions), the loop runs with SCTLR_ELx.EE = 1 when the CPU
 * supports mixed endianness (ID_AA64MMFR0_EL1.BigEnd) and the MMU is off (EE would also turn
 * page-table walks big-endian): ld1 of 32-bit elements then yields the words directly. That is
 * what brings it under 1.5 instructions per byte. EE is restored before anything else is read.
 * v16-v31 = K, v0/v1 = ABCD/EFGH, v2/v3 = the state at block start, v4-v7 = W, v8 = W + K,
 * v9 = ABCD before sha256h (sha256h and sha256h2 each overwrite one half the other needs).
 */
blocks_sha2:
	mov	x12, x30
	adr	x9, sha256_k
	ld1	{v16.4s-v19.4s}, [x9], #64
	ld1	{v20.4s-v23.4s}, [x9], #64
	ld1	{v24.4s-v27.4s}, [x9], #64
	ld1	{v28.4s-v31.4s}, [x9]
	adr	x9, scratch + S_H
	ld1	{v0.4s, v1.4s}, [x9]
	mrs	x10, id_aa64mmfr0_el1
	ubfx	x10, x10, #8, #4	// BigEnd
	cbz	x10, .Lsha2_rev
	bl	sctlr_read
	tbnz	x9, #0, .Lsha2_rev	// MMU on
	orr	x9, x9, #SCTLR_EE
	bl	sctlr_write
	sha2_loop rev=0
	bl	sctlr_read
	bic	x9, x9, #SCTLR_EE
	bl	sctlr_write
	b	.Lsha2_done
.Lsha2_rev:
	sha2_loop rev=1
.Lsha2_done:
	adr	x9, scratch + S_H
	st1	{v0.4s, v1.4s}, [x9]
	ret	x12

/*
 * blocks_scalar: general-purpose registers only. a-h = w3-w10 (renamed each round, so nothing is
 * moved), W[0..15] = w11-w26 in place, x2 = K pointer, w27/w28 temporaries, w29/w30 = a^b of this
 * round and of the previous one (= b^c now) for Maj. That is all 31 registers: the return address
 * waits in the scratch area. 16 rounds are written out and run 4 times; the schedule for the next
 * 16 words runs between them.
 */
blocks_scalar:
	adr	x2, scratch
	str	x30, [x2, #S_BLR]
.Lscalar_block:
	adr	x2, scratch + S_H
	ldp	w3, w4, [x2]
	ldp	w5, w6, [x2, #8]
	ldp	w7, w8, [x2, #16]
	ldp	w9, w10, [x2, #24]
	ldp	w11, w12, [x0], #8
	ldp	w13, w14, [x0], #8
	ldp	w15, w16, [x0], #8
	ldp	w17, w18, [x0], #8
	ldp	w19, w20, [x0], #8
	ldp	w21, w22, [x0], #8
	ldp	w23, w24, [x0], #8
	ldp	w25, w26, [x0], #8
	.irp	w, w11, w12, w13, w14, w15, w16, w17, w18, w19, w20, w21, w22, w23, w24, w25, w26
	rev	\w, \w
	.endr
	adr	x2, sha256_k
	eor	w30, w4, w5		// b ^ c for round 0
.Lscalar_rounds:
	round	w3, w4, w5, w6, w7, w8, w9, w10, w11, w29, w30
	round	w10, w3, w4, w5, w6, w7, w8, w9, w12, w30, w29
	round	w9, w10, w3, w4, w5, w6, w7, w8, w13, w29, w30
	round	w8, w9, w10, w3, w4, w5, w6, w7, w14, w30, w29
	round	w7, w8, w9, w10, w3, w4, w5, w6, w15, w29, w30
	round	w6, w7, w8, w9, w10, w3, w4, w5, w16, w30, w29
	round	w5, w6, w7, w8, w9, w10, w3, w4, w17, w29, w30
	round	w4, w5, w6, w7, w8, w9, w10, w3, w18, w30, w29
	round	w3, w4, w5, w6, w7, w8, w9, w10, w19, w29, w30
	round	w10, w3, w4, w5, w6, w7, w8, w9, w20, w30, w29
	round	w9, w10, w3, w4, w5, w6, w7, w8, w21, w29, w30
	round	w8, w9, w10, w3, w4, w5, w6, w7, w22, w30, w29
	round	w7, w8, w9, w10, w3, w4, w5, w6, w23, w29, w30
	round	w6, w7, w8, w9, w10, w3, w4, w5, w24, w30, w29
	round	w5, w6, w7, w8, w9, w10, w3, w4, w25, w29, w30
	round	w4, w5, w6, w7, w8, w9, w10, w3, w26, w30, w29
	adr	x27, sha256_k + 256
	cmp	x2, x27
	b.eq	.Lscalar_add
	// W[i] += s0(W[i+1]) + W[i+9] + s1(W[i+14]), in order, so later words see the new ones
	schedule w11, w12, w20, w25
	schedule w12, w13, w21, w26
	schedule w13, w14, w22, w11
	schedule w14, w15, w23, w12
	schedule w15, w16, w24, w13
	schedule w16, w17, w25, w14
	schedule w17, w18, w26, w15
	schedule w18, w19, w11, w16
	schedule w19, w20, w12, w17
	schedule w20, w21, w13, w18
	schedule w21, w22, w14, w19
	schedule w22, w23, w15, w20
	schedule w23, w24, w16, w21
	schedule w24, w25, w17, w22
	schedule w25, w26, w18, w23
	schedule w26, w11, w19, w24
	b	.Lscalar_rounds
.Lscalar_add:
	adr	x2, scratch + S_H
	ldp	w11, w12, [x2]
	ldp	w13, w14, [x2, #8]
	ldp	w15, w16, [x2, #16]
	ldp	w17, w18, [x2, #24]
	add	w3, w3, w11
	add	w4, w4, w12
	add	w5, w5, w13
	add	w6, w6, w14
	add	w7, w7, w15
	add	w8, w8, w16
	add	w9, w9, w17
	add	w10, w10, w18
	stp	w3, w4, [x2]
	stp	w5, w6, [x2, #8]
	stp	w7, w8, [x2, #16]
	stp	w9, w10, [x2, #24]
	subs	x1, x1, #1
	b.ne	.Lscalar_block
	adr	x2, scratch
	ldr	x30, [x2, #S_BLR]
	ret

	.balign	4
sha256_h0:
	.word	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a
	.word	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
sha256_k:
	.word	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5
	.word	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174
	.word	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da
	.word	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967
	.word	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85
	.word	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070
	.word	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3
	.word	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2

	.balign	64
scratch:
	.skip	S_SIZE

	.balign	8
params:		// the parameter block is appended here
