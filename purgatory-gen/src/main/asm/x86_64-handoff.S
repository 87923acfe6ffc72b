/*
 * efikexec x86_64 handoff stub (our purgatory, issue 6): checks the SHA-256 of every segment of a
 * handoff bundle, then enters the kernel as the EFI stub would have (long mode, identity mapped,
 * rsi = boot_params, interrupts off); on a mismatch it prints one line on the 16550 it was given and
 * halts with interrupts off, never entering the kernel.
 *
 * Position independent: 64-bit code addresses only RIP-relative, so a loader may place it at any
 * 4 KiB-aligned address below 4 GiB. The Java side (efikexec.purgatory.stub.X64HandoffStub) appends
 * the parameter block right after these bytes, at the label `params` (the last thing in .text),
 * laid out as on arm64:
 *
 *   u64 magic "EFXHNDOF" (0x464f444e48584645)   +0
 *   u64 uart  (16550 I/O port base, e.g. 0x3f8; 0 = no console)  +8
 *   u64 entry (the kernel's startup_64)         +16
 *   u64 rsi (boot_params), 0, 0, 0 at entry     +24
 *   u64 count                                   +56
 *   count x { u64 addr; u64 size; u64 zeros; u8 sha256[32] }  +64, 56 bytes each
 *
 * A segment is checked in two parts, as on arm64: SHA-256 over its first `size` bytes (bufsz),
 * then the `zeros` bytes after them (memsz - bufsz, which the loader zero-fills) must all be zero:
 * four loads and ors per 32 bytes instead of SHA-256's ~40 instructions per byte (scalar).
 *
 * Two ways in:
 *  - kexec (handoff.elf, e_entry = +0): 64-bit mode on kexec's identity map of RAM and every
 *    segment, registers zeroed. The stub keeps that map; it needs none of its own.
 *  - QEMU's Multiboot loader (handoff-multiboot.elf, e_entry = the +25 slot): 32-bit protected
 *    mode, paging off. The prologue there builds identity page tables for the first 4 GiB with
 *    2 MiB pages (qemu64 has no 1 GiB pages) in the stub's own `tables` (the stub lies in memory
 *    no segment covers, so the kernel's startup_64 may use them until it loads its own CR3), turns
 *    on PAE, long mode and paging, loads the stub's GDT (64-bit code at 0x10 = the kernel's
 *    __KERNEL_CS, data at 0x18) and far-jumps to main. 32-bit code cannot address relative to EIP
 *    without a stack, so the Java side patches the stub's load address into the prologue's first
 *    instruction (`mov $imm32, %ebp`, the imm32 at slot target + 1).
 *
 * Entry table (fixed offsets, each a 5-byte jmp rel32; the Java side and the tests rely on them):
 *   +0   main            the handoff (64-bit)
 *   +5   sha256_shani    SHA-256 with SHA-NI (sha256rnds2/msg1/msg2, SSSE3, SSE4.1)
 *   +10  sha256_scalar   SHA-256 with general-purpose registers only
 *   +15  putc            edi = character, esi = 16550 port base (tests hook it to read the console)
 *   +20  halt            cli; hlt, forever: where the stub parks after a mismatch
 *   +25  multiboot       the 32-bit Multiboot entry (prologue), see above
 * sha256_*: SysV, rdi = data, rsi = length in bytes, rdx = 32-byte output; they need a stack (main
 * uses the stub's own, 56 bytes deep) and keep rbx, rbp, r12-r15 as SysV asks, so C or a JNA
 * call can run them; xmm0-xmm10 are clobbered. Their state lives in the stub's scratch area:
 * calls do not nest, and the stub must lie in writable memory.
 */
	.text
	.code64

	.equ	P_MAGIC, 0		# parameter block
	.equ	P_UART, 8
	.equ	P_ENTRY, 16
	.equ	P_REGS, 24
	.equ	P_COUNT, 56
	.equ	P_SEGS, 64
	.equ	SEG_SIZE, 56
	.equ	SEG_ZEROS, 16
	.equ	SEG_SHA, 24

	.equ	S_H, 0			# scratch: hash state, 8 native u32
	.equ	S_DIGEST, 32		# main: the digest of the current segment
	.equ	S_OUT, 64		# sha256_run: output, length, block function
	.equ	S_LEN, 72
	.equ	S_FN, 80
	.equ	S_SEG, 88		# main: segment index
	.equ	S_HASH, 96		# main: sha256_shani or sha256_scalar
	.equ	S_DATA, 104		# blocks_scalar: the data pointer and the blocks left during a block
	.equ	S_COUNT, 112
	.equ	S_BUF, 128		# 128 bytes: the padded tail (one or two blocks), number text
	.equ	S_SIZE, 256

	.equ	LSR, 5			# 16550 line status register; THRE (THR empty) is bit 5
	.equ	LSR_THRE, 0x20

	.equ	CODE64, 0x10		# GDT selectors (the kernel's __KERNEL_CS / __KERNEL_DS)
	.equ	DATA, 0x18

	.globl	_start
_start:
	.byte	0xe9			# jmp rel32, written out so every slot is 5 bytes
	.long	main - . - 4
	.byte	0xe9
	.long	sha256_shani - . - 4
	.byte	0xe9
	.long	sha256_scalar - . - 4
	.byte	0xe9
	.long	putc - . - 4
	.byte	0xe9
	.long	halt - . - 4
	.byte	0xe9
	.long	multiboot - . - 4

/* ---------------------------------------------------------------------------------------- main */

main:
	cli
	cld
	lea	stack_top(%rip), %rsp
	movabs	$0x464f444e48584645, %rax
	cmp	%rax, params + P_MAGIC(%rip)
	jne	halt			# no block: no console to say so either

	# SSE for SHA-NI and for nothing else: CR0.EM off, MP on; CR4.OSFXSR, OSXMMEXCPT. kexec's
	# kernel had them on already; after the Multiboot prologue they are on too (set there).
	mov	%cr0, %rax
	and	$~(1 << 2), %rax
	or	$(1 << 1), %rax
	mov	%rax, %cr0
	mov	%cr4, %rax
	or	$((1 << 9) | (1 << 10)), %rax
	mov	%rax, %cr4

	# SHA-NI when CPUID.(7,0):EBX bit 29 says so (with SSSE3 and SSE4.1 from leaf 1, which the
	# routine also uses); the scalar routine otherwise
	lea	sha256_scalar(%rip), %r12
	xor	%eax, %eax
	cpuid
	cmp	$7, %eax
	jb	1f
	mov	$1, %eax
	cpuid
	and	$((1 << 9) | (1 << 19)), %ecx
	cmp	$((1 << 9) | (1 << 19)), %ecx
	jne	1f
	mov	$7, %eax
	xor	%ecx, %ecx
	cpuid
	bt	$29, %ebx
	jnc	1f
	lea	sha256_shani(%rip), %r12
1:	mov	%r12, scratch + S_HASH(%rip)
	movq	$0, scratch + S_SEG(%rip)

next_segment:
	mov	scratch + S_SEG(%rip), %rcx
	cmp	params + P_COUNT(%rip), %rcx
	jae	enter
	imul	$SEG_SIZE, %rcx, %rbx
	lea	params + P_SEGS(%rip), %rax
	add	%rax, %rbx		# rbx = this segment's record
	mov	(%rbx), %rdi
	mov	8(%rbx), %rsi
	lea	scratch + S_DIGEST(%rip), %rdx
	call	*scratch + S_HASH(%rip)	# clobbers everything; the state is in scratch

	mov	scratch + S_SEG(%rip), %rcx
	imul	$SEG_SIZE, %rcx, %rbx
	lea	params + P_SEGS(%rip), %rax
	add	%rax, %rbx
	mov	SEG_SHA(%rbx), %rax
	xor	scratch + S_DIGEST(%rip), %rax
	mov	SEG_SHA + 8(%rbx), %rdx
	xor	scratch + S_DIGEST + 8(%rip), %rdx
	or	%rdx, %rax
	mov	SEG_SHA + 16(%rbx), %rdx
	xor	scratch + S_DIGEST + 16(%rip), %rdx
	or	%rdx, %rax
	mov	SEG_SHA + 24(%rbx), %rdx
	xor	scratch + S_DIGEST + 24(%rip), %rdx
	or	%rdx, %rax
	jnz	mismatch

	# The zero tail, [addr + size, + zeros): the odd bytes one at a time, then 32 at a time.
	mov	(%rbx), %rdi
	add	8(%rbx), %rdi
	mov	SEG_ZEROS(%rbx), %rcx
	mov	%ecx, %edx
	and	$31, %edx
	shr	$5, %rcx
	jmp	2f
1:	cmpb	$0, (%rdi)
	jne	nonzero
	inc	%rdi
	dec	%edx
2:	test	%edx, %edx
	jnz	1b
	test	%rcx, %rcx
	jz	4f
3:	mov	(%rdi), %rax
	or	8(%rdi), %rax
	or	16(%rdi), %rax
	or	24(%rdi), %rax
	jnz	nonzero
	add	$32, %rdi
	dec	%rcx
	jnz	3b
4:	incq	scratch + S_SEG(%rip)
	jmp	next_segment

enter:
	# The kernel's boot protocol: long mode, identity mapped, interrupts off, rsi = boot_params.
	# startup_64 sets its own stack, GDT and page tables first thing.
	mov	params + P_ENTRY(%rip), %rax
	mov	params + P_REGS(%rip), %rsi
	xor	%edi, %edi
	xor	%ebp, %ebp
	xor	%ebx, %ebx
	jmp	*%rax

nonzero:	# rbx = the segment's record
	mov	scratch + S_SEG(%rip), %rcx
	lea	msg_nonzero(%rip), %r12
	jmp	report
mismatch:	# rcx = segment index, rbx = its record
	lea	msg_mismatch(%rip), %r12
report:		# r12 = the line's end
	movzwl	params + P_UART(%rip), %r15d
	test	%r15d, %r15d
	jz	halt
	mov	%rcx, %r14
	lea	msg_segment(%rip), %rdi
	call	puts
	mov	%r14, %rax
	mov	$10, %ecx
	call	put_number
	lea	msg_open(%rip), %rdi
	call	puts
	mov	(%rbx), %rax
	mov	$16, %ecx
	call	put_number
	lea	msg_comma(%rip), %rdi
	call	puts
	mov	8(%rbx), %rax		# size + zeros: the segment's memsz
	add	SEG_ZEROS(%rbx), %rax
	mov	$10, %ecx
	call	put_number
	mov	%r12, %rdi
	call	puts
halt:
	cli
	hlt
	jmp	halt

/* ------------------------------------------------------------------------------------- console */

// putc: edi = character, esi = 16550 port base. Clobbers eax, edx.
putc:
	lea	LSR(%rsi), %edx
1:	inb	%dx, %al
	test	$LSR_THRE, %al
	jz	1b
	mov	%esi, %edx
	mov	%edi, %eax
	outb	%al, %dx
	ret

// puts: rdi = NUL-terminated string, r15d = port base. Clobbers rax, rdx, rsi, rdi, r13.
puts:
	mov	%rdi, %r13
1:	movzbl	(%r13), %edi
	test	%edi, %edi
	jz	2f
	mov	%r15d, %esi
	call	putc
	inc	%r13
	jmp	1b
2:	ret

// put_number: rax = value, rcx = base (10 or 16), lowercase digits, no prefix, r15d = port base.
// Clobbers rax, rcx, rdx, rsi, rdi, r13.
put_number:
	lea	scratch + S_BUF + 32(%rip), %rdi
	dec	%rdi
	movb	$0, (%rdi)
1:	xor	%edx, %edx
	div	%rcx
	lea	'0'(%rdx), %esi
	cmp	$10, %edx
	jb	2f
	lea	'a' - 10(%rdx), %esi
2:	dec	%rdi
	mov	%sil, (%rdi)
	test	%rax, %rax
	jnz	1b
	jmp	puts

msg_segment:	.asciz	"efikexec handoff: segment "
msg_open:	.asciz	" (0x"
msg_comma:	.asciz	", "
msg_mismatch:	.asciz	" bytes): SHA-256 mismatch\n"
msg_nonzero:	.asciz	" bytes): not zero past its stored bytes\n"

/* ------------------------------------------------------------------------------------- SHA-256 */

sha256_scalar:
	lea	blocks_scalar(%rip), %rcx
	jmp	sha256_run

sha256_shani:
	lea	blocks_shani(%rip), %rcx
	# fall through

// sha256_run: rdi = data, rsi = length, rdx = output, rcx = block function. The block function
// takes rdi = 64-byte blocks, rsi = how many (at least 1), the state at scratch S_H, and returns
// rdi past the blocks with the state written back; it may clobber every register but rsp.
sha256_run:
	push	%rbx			# SysV callee-saved: the routines may be called from C (tests)
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rdx, scratch + S_OUT(%rip)
	mov	%rsi, scratch + S_LEN(%rip)
	mov	%rcx, scratch + S_FN(%rip)
	movdqu	sha256_h0(%rip), %xmm0	# SSE2 is part of x86_64
	movdqu	%xmm0, scratch + S_H(%rip)
	movdqu	sha256_h0 + 16(%rip), %xmm0
	movdqu	%xmm0, scratch + S_H + 16(%rip)
	shr	$6, %rsi
	jz	1f
	call	*%rcx			# the whole blocks, read in place
1:	mov	scratch + S_LEN(%rip), %rcx
	and	$63, %ecx		# tail bytes, copied to the tail buffer (never reads past the data)
	lea	scratch + S_BUF(%rip), %r8
	pxor	%xmm0, %xmm0
	.irp	o, 0, 16, 32, 48, 64, 80, 96, 112
	movdqu	%xmm0, \o(%r8)
	.endr
	xor	%eax, %eax
2:	cmp	%rcx, %rax
	je	3f
	movzbl	(%rdi, %rax), %edx
	mov	%dl, (%r8, %rax)
	inc	%rax
	jmp	2b
3:	movb	$0x80, (%r8, %rcx)
	# 0x80 and the 8-byte length fit after up to 55 tail bytes: one block, else two
	mov	$1, %esi
	mov	$2, %eax
	cmp	$56, %ecx
	cmovae	%eax, %esi
	mov	scratch + S_LEN(%rip), %rax
	shl	$3, %rax
	bswap	%rax			# the bit length, big-endian, ends the last block
	mov	%rsi, %rdx
	shl	$6, %rdx
	mov	%rax, -8(%r8, %rdx)
	mov	%r8, %rdi
	call	*scratch + S_FN(%rip)
	mov	scratch + S_OUT(%rip), %rdx	# digest = the state words, big-endian
	xor	%ecx, %ecx
4:	lea	scratch + S_H(%rip), %rax
	mov	(%rax, %rcx, 4), %eax
	bswap	%eax
	mov	%eax, (%rdx, %rcx, 4)
	inc	%ecx
	cmp	$8, %ecx
	jne	4b
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret

/*
 * blocks_shani: the usual SHA-NI sequence (Intel's, as in Linux's sha256_ni_asm.S). The state is
 * kept as ABEF/CDGH in xmm1/xmm2; xmm0 = the message + K for sha256rnds2 (its implicit operand),
 * xmm3-xmm6 = W in groups of four, xmm7 scratch, xmm8 = the byte-swap mask.
 */
.macro	shani_group g, cur, prev, next
	.if	\g < 4
	movdqu	\g * 16(%rdi), %xmm0
	pshufb	%xmm8, %xmm0
	movdqa	%xmm0, \cur
	.else
	movdqa	\cur, %xmm0
	.endif
	paddd	sha256_k + \g * 16(%rip), %xmm0
	sha256rnds2 %xmm1, %xmm2
	.if	\g >= 3 && \g <= 14
	movdqa	\cur, %xmm7
	palignr	$4, \prev, %xmm7
	paddd	%xmm7, \next
	sha256msg2 \cur, \next
	.endif
	pshufd	$0x0e, %xmm0, %xmm0
	sha256rnds2 %xmm2, %xmm1
	.if	\g >= 1 && \g <= 12
	sha256msg1 \cur, \prev
	.endif
.endm

blocks_shani:
	movdqu	scratch + S_H(%rip), %xmm1	# DCBA
	movdqu	scratch + S_H + 16(%rip), %xmm2	# HGFE
	pshufd	$0xb1, %xmm1, %xmm1		# CDAB
	pshufd	$0x1b, %xmm2, %xmm2		# EFGH
	movdqa	%xmm1, %xmm7
	palignr	$8, %xmm2, %xmm1		# ABEF
	pblendw	$0xf0, %xmm7, %xmm2		# CDGH
	movdqu	shani_flip(%rip), %xmm8
1:	movdqa	%xmm1, %xmm9
	movdqa	%xmm2, %xmm10
	shani_group 0, %xmm3, %xmm6, %xmm4
	shani_group 1, %xmm4, %xmm3, %xmm5
	shani_group 2, %xmm5, %xmm4, %xmm6
	shani_group 3, %xmm6, %xmm5, %xmm3
	shani_group 4, %xmm3, %xmm6, %xmm4
	shani_group 5, %xmm4, %xmm3, %xmm5
	shani_group 6, %xmm5, %xmm4, %xmm6
	shani_group 7, %xmm6, %xmm5, %xmm3
	shani_group 8, %xmm3, %xmm6, %xmm4
	shani_group 9, %xmm4, %xmm3, %xmm5
	shani_group 10, %xmm5, %xmm4, %xmm6
	shani_group 11, %xmm6, %xmm5, %xmm3
	shani_group 12, %xmm3, %xmm6, %xmm4
	shani_group 13, %xmm4, %xmm3, %xmm5
	shani_group 14, %xmm5, %xmm4, %xmm6
	shani_group 15, %xmm6, %xmm5, %xmm3
	paddd	%xmm9, %xmm1
	paddd	%xmm10, %xmm2
	add	$64, %rdi
	dec	%rsi
	jnz	1b
	pshufd	$0x1b, %xmm1, %xmm1		# FEBA
	pshufd	$0xb1, %xmm2, %xmm2		# DCHG
	movdqa	%xmm1, %xmm7
	pblendw	$0xf0, %xmm2, %xmm1		# DCBA
	palignr	$8, %xmm7, %xmm2		# HGFE
	movdqu	%xmm1, scratch + S_H(%rip)
	movdqu	%xmm2, scratch + S_H + 16(%rip)
	ret

/*
 * blocks_scalar: a-h in eax, ebx, ecx, edx, r8d-r11d (renamed each round, so nothing is moved),
 * W[0..15] on the stack as a ring (W[t] overwrites W[t-16]), r13d/r14d temporaries, r15d/ebp =
 * a^b of this round and of the previous one (= b^c now) for Maj. W[t] is made in r12d for
 * t < 14; from W[14] on it is made in one of r12d, edi, esi (t mod 3), where it stays until
 * sigma1 of round t + 2 consumes it (shr then destroys it: one copy fewer per round than loading
 * it back from the ring). So rdi (the data, needed up to round 15) and rsi (the block count)
 * live in the scratch area during a block. K[t] is the displacement of one lea that also adds
 * W[t] (32-bit address size: the sum wraps as the 32-bit add does), so K is never loaded.
 * Rotations are chained: Sigma1(e) = ((e ror 14 ^ e) ror 5 ^ e) ror 6 = e ror 6 ^ e ror 11 ^
 * e ror 25, and so on. The 64 rounds are written out (round numbers and K as literals).
 */
	.equ	W, 0			# 64 bytes at rsp
.macro	round t, a, b, c, d, e, f, g, h, ab, bc, k, w, w2
	.if	\t < 16
	mov	4 * \t(%rdi), \w
	bswap	\w
	mov	\w, W + 4 * \t(%rsp)
	.else
	mov	W + 4 * ((\t + 1) & 15)(%rsp), %r13d	# sigma0(W[t-15])
	mov	%r13d, \w
	ror	$11, \w
	xor	%r13d, \w
	ror	$7, \w
	shr	$3, %r13d
	xor	%r13d, \w
	mov	\w2, %r14d			# sigma1(W[t-2]), W[t-2] kept in a register since round t-2
	ror	$2, %r14d
	xor	\w2, %r14d
	ror	$17, %r14d
	shr	$10, \w2
	xor	\w2, %r14d
	add	%r14d, \w
	add	W + 4 * ((\t + 9) & 15)(%rsp), \w	# + W[t-7]
	add	W + 4 * (\t & 15)(%rsp), \w	# + W[t-16]
	.if	\t < 62			# W[62] and W[63] are never read again
	mov	\w, W + 4 * (\t & 15)(%rsp)
	.endif
	.endif
	lea	\k(\w, \h), \h	# h += K[t] + W[t]
	mov	\e, %r13d
	ror	$14, %r13d
	xor	\e, %r13d
	ror	$5, %r13d
	xor	\e, %r13d
	ror	$6, %r13d
	add	%r13d, \h		# + Sigma1(e)
	mov	\f, %r13d
	xor	\g, %r13d
	and	\e, %r13d
	xor	\g, %r13d
	add	%r13d, \h		# + Ch(e, f, g) = g ^ (e & (f ^ g))
	add	\h, \d			# d += T1
	mov	\a, %r13d
	ror	$9, %r13d
	xor	\a, %r13d
	ror	$11, %r13d
	xor	\a, %r13d
	ror	$2, %r13d
	add	%r13d, \h		# + Sigma0(a)
	mov	\a, \ab
	xor	\b, \ab			# a ^ b: the next round's b ^ c
	and	\ab, \bc
	xor	\b, \bc
	add	\bc, \h			# + Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c))
.endm

blocks_scalar:
	sub	$64, %rsp
	mov	%rsi, scratch + S_COUNT(%rip)
1:	mov	%rdi, scratch + S_DATA(%rip)
	mov	scratch + S_H(%rip), %eax
	mov	scratch + S_H + 4(%rip), %ebx
	mov	scratch + S_H + 8(%rip), %ecx
	mov	scratch + S_H + 12(%rip), %edx
	mov	scratch + S_H + 16(%rip), %r8d
	mov	scratch + S_H + 20(%rip), %r9d
	mov	scratch + S_H + 24(%rip), %r10d
	mov	scratch + S_H + 28(%rip), %r11d
	mov	%ebx, %ebp
	xor	%ecx, %ebp		# b ^ c for round 0
	round	0, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %r15d, %ebp, 1116352408, %r12d, %r12d
	round	1, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %ebp, %r15d, 1899447441, %r12d, %r12d
	round	2, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r15d, %ebp, -1245643825, %r12d, %r12d
	round	3, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %ebp, %r15d, -373957723, %r12d, %r12d
	round	4, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r15d, %ebp, 961987163, %r12d, %r12d
	round	5, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %ebp, %r15d, 1508970993, %r12d, %r12d
	round	6, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %r15d, %ebp, -1841331548, %r12d, %r12d
	round	7, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebp, %r15d, -1424204075, %r12d, %r12d
	round	8, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %r15d, %ebp, -670586216, %r12d, %r12d
	round	9, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %ebp, %r15d, 310598401, %r12d, %r12d
	round	10, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r15d, %ebp, 607225278, %r12d, %r12d
	round	11, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %ebp, %r15d, 1426881987, %r12d, %r12d
	round	12, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r15d, %ebp, 1925078388, %r12d, %r12d
	round	13, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %ebp, %r15d, -2132889090, %r12d, %r12d
	round	14, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %r15d, %ebp, -1680079193, %esi, %esi
	round	15, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebp, %r15d, -1046744716, %r12d, %r12d
	round	16, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %r15d, %ebp, -459576895, %edi, %esi
	round	17, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %ebp, %r15d, -272742522, %esi, %r12d
	round	18, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r15d, %ebp, 264347078, %r12d, %edi
	round	19, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %ebp, %r15d, 604807628, %edi, %esi
	round	20, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r15d, %ebp, 770255983, %esi, %r12d
	round	21, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %ebp, %r15d, 1249150122, %r12d, %edi
	round	22, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %r15d, %ebp, 1555081692, %edi, %esi
	round	23, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebp, %r15d, 1996064986, %esi, %r12d
	round	24, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %r15d, %ebp, -1740746414, %r12d, %edi
	round	25, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %ebp, %r15d, -1473132947, %edi, %esi
	round	26, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r15d, %ebp, -1341970488, %esi, %r12d
	round	27, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %ebp, %r15d, -1084653625, %r12d, %edi
	round	28, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r15d, %ebp, -958395405, %edi, %esi
	round	29, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %ebp, %r15d, -710438585, %esi, %r12d
	round	30, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %r15d, %ebp, 113926993, %r12d, %edi
	round	31, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebp, %r15d, 338241895, %edi, %esi
	round	32, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %r15d, %ebp, 666307205, %esi, %r12d
	round	33, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %ebp, %r15d, 773529912, %r12d, %edi
	round	34, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r15d, %ebp, 1294757372, %edi, %esi
	round	35, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %ebp, %r15d, 1396182291, %esi, %r12d
	round	36, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r15d, %ebp, 1695183700, %r12d, %edi
	round	37, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %ebp, %r15d, 1986661051, %edi, %esi
	round	38, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %r15d, %ebp, -2117940946, %esi, %r12d
	round	39, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebp, %r15d, -1838011259, %r12d, %edi
	round	40, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %r15d, %ebp, -1564481375, %edi, %esi
	round	41, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %ebp, %r15d, -1474664885, %esi, %r12d
	round	42, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r15d, %ebp, -1035236496, %r12d, %edi
	round	43, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %ebp, %r15d, -949202525, %edi, %esi
	round	44, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r15d, %ebp, -778901479, %esi, %r12d
	round	45, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %ebp, %r15d, -694614492, %r12d, %edi
	round	46, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %r15d, %ebp, -200395387, %edi, %esi
	round	47, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebp, %r15d, 275423344, %esi, %r12d
	round	48, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %r15d, %ebp, 430227734, %r12d, %edi
	round	49, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %ebp, %r15d, 506948616, %edi, %esi
	round	50, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r15d, %ebp, 659060556, %esi, %r12d
	round	51, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %ebp, %r15d, 883997877, %r12d, %edi
	round	52, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r15d, %ebp, 958139571, %edi, %esi
	round	53, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %ebp, %r15d, 1322822218, %esi, %r12d
	round	54, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %r15d, %ebp, 1537002063, %r12d, %edi
	round	55, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebp, %r15d, 1747873779, %edi, %esi
	round	56, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %r15d, %ebp, 1955562222, %esi, %r12d
	round	57, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %ebp, %r15d, 2024104815, %r12d, %edi
	round	58, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %r9d, %r15d, %ebp, -2067236844, %edi, %esi
	round	59, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r8d, %ebp, %r15d, -1933114872, %esi, %r12d
	round	60, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %edx, %r15d, %ebp, -1866530822, %r12d, %edi
	round	61, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %ecx, %ebp, %r15d, -1538233109, %edi, %esi
	round	62, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebx, %r15d, %ebp, -1090935817, %esi, %r12d
	round	63, %ebx, %ecx, %edx, %r8d, %r9d, %r10d, %r11d, %eax, %ebp, %r15d, -965641998, %r12d, %edi
	add	%eax, scratch + S_H(%rip)
	add	%ebx, scratch + S_H + 4(%rip)
	add	%ecx, scratch + S_H + 8(%rip)
	add	%edx, scratch + S_H + 12(%rip)
	add	%r8d, scratch + S_H + 16(%rip)
	add	%r9d, scratch + S_H + 20(%rip)
	add	%r10d, scratch + S_H + 24(%rip)
	add	%r11d, scratch + S_H + 28(%rip)
	mov	scratch + S_DATA(%rip), %rdi
	add	$64, %rdi
	decq	scratch + S_COUNT(%rip)
	jnz	1b
	add	$64, %rsp
	ret

/* ------------------------------------------------------------------ 32-bit Multiboot prologue */

	.code32
multiboot:
	.byte	0xbd			# mov $imm32, %ebp: the stub's load address, patched by Java
	.long	0
	cli
	cld
	# The Multiboot ELF may load segments elsewhere than where they belong (QEMU copies the whole
	# span from the lowest to the highest PT_LOAD: far-apart segments are staged next to the stub
	# instead). The Java side lists the moves at the start of `tables`, u32 count, then count x
	# {u32 from, u32 to, u32 size}; sources and destinations are disjoint. Copied before the
	# tables are built over the list.
	lea	tables - _start(%ebp), %ebx
	mov	(%ebx), %edx
	add	$4, %ebx
3:	test	%edx, %edx
	jz	4f
	mov	(%ebx), %esi
	mov	4(%ebx), %edi
	mov	8(%ebx), %ecx
	rep movsb
	add	$12, %ebx
	dec	%edx
	jmp	3b
4:	lea	tables - _start(%ebp), %edi	# zero the tables: PML4, PDPT, 4 PDs
	xor	%eax, %eax
	mov	$(6 * 4096 / 4), %ecx
	rep stosl
	lea	tables - _start(%ebp), %edi
	lea	3(%edi), %eax		# present, writable
	add	$4096, %eax
	mov	%eax, (%edi)		# PML4[0] = PDPT
	add	$4096, %eax
	lea	4096(%edi), %edx
	mov	$4, %ecx
1:	mov	%eax, (%edx)		# PDPT[i] = PD i
	add	$4096, %eax
	add	$8, %edx
	loop	1b
	lea	8192(%edi), %edx
	mov	$0x83, %eax		# present, writable, 2 MiB
	mov	$2048, %ecx
2:	mov	%eax, (%edx)		# PD entry: identity, 2 MiB each, 4 GiB in all
	add	$0x200000, %eax
	add	$8, %edx
	loop	2b
	mov	%cr4, %eax
	or	$((1 << 5) | (1 << 9) | (1 << 10)), %eax	# PAE, OSFXSR, OSXMMEXCPT
	mov	%eax, %cr4
	mov	%edi, %cr3
	mov	$0xc0000080, %ecx	# EFER.LME
	rdmsr
	or	$(1 << 8), %eax
	wrmsr
	lea	gdt - _start(%ebp), %eax
	mov	%eax, gdt_pointer + 2 - _start(%ebp)
	lgdt	gdt_pointer - _start(%ebp)
	mov	$DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	lea	main - _start(%ebp), %eax
	mov	%eax, far_main - _start(%ebp)
	mov	%cr0, %eax
	or	$0x80000001, %eax	# PG, PE: long mode is active from here (compatibility mode)
	mov	%eax, %cr0
	ljmp	*far_main - _start(%ebp)
	.code64

	.balign	8
gdt:
	.quad	0
	.quad	0
	.quad	0x00af9a000000ffff	# 0x10: 64-bit code
	.quad	0x00cf92000000ffff	# 0x18: data
gdt_end:
	.balign	8
	.word	0			# so that the base below is 4-byte aligned
gdt_pointer:
	.word	gdt_end - gdt - 1
	.long	0			# base, written by the prologue
far_main:
	.long	0			# offset, written by the prologue
	.word	CODE64

	.balign	16
sha256_h0:
	.long	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a
	.long	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
shani_flip:	# pshufb mask: byte-swap each 32-bit word
	.quad	0x0405060700010203, 0x0c0d0e0f08090a0b
sha256_k:
	.long	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5
	.long	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174
	.long	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da
	.long	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967
	.long	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85
	.long	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070
	.long	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3
	.long	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2

	# What the stub writes (scratch, stack) gets pages of its own: a store to a page that holds
	# code makes QEMU's TCG throw away that page's translations, and blocks_scalar stores W on
	# every round (one shared page made the check of a 64 MiB bundle take 30 s instead of a few).
	.balign	4096
scratch:
	.skip	S_SIZE
stack:
	.skip	2048			# main's stack: a few calls deep, blocks_scalar's 64-byte W
stack_top:

	.balign	4096
tables:		# the Multiboot prologue's page tables: PML4, PDPT, 4 PDs (2 MiB pages, 4 GiB)
	.skip	6 * 4096

params:		# the parameter block is appended here (8-byte aligned: tables end on a page)
