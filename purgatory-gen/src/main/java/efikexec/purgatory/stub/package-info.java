/**
 * The handoff stubs' machine code and their parameter blocks. The code is assembled at build time
 * from src/main/asm (one flat binary per architecture, a resource of this package); the Java side
 * only appends the parameter block the stub finds right after its last byte: which segments to
 * check against which SHA-256, the console to report on and how to enter the kernel.
 */
package efikexec.purgatory.stub;
