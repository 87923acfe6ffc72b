package efikexec.emulator.unicorn;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The C API of libunicorn 2.1 (include/unicorn/unicorn.h), bound through JNA, and nothing
 * else: no policy here. Constants are the values of the 2.1.1 headers, printed by a C program
 * compiled against them (libunicorn-dev 2.1.1).
 */
public interface UnicornLibrary extends Library {
    int UC_ARCH_ARM64 = 2;
    int UC_ARCH_X86 = 4;
    int UC_MODE_ARM = 0;
    int UC_MODE_64 = 8;

    int UC_HOOK_INTR = 1;
    int UC_HOOK_INSN = 2;
    int UC_HOOK_CODE = 4;
    int UC_HOOK_BLOCK = 8;
    int UC_HOOK_MEM_UNMAPPED = 112;
    int UC_HOOK_MEM_PROT = 896;
    int UC_HOOK_MEM_FETCH_PROT = 512;
    int UC_HOOK_MEM_INVALID = 1008;

    int UC_PROT_READ = 1;
    int UC_PROT_WRITE = 2;
    int UC_PROT_EXEC = 4;
    int UC_PROT_ALL = 7;

    int UC_ERR_OK = 0;
    int UC_ERR_READ_UNMAPPED = 6;
    int UC_ERR_WRITE_UNMAPPED = 7;
    int UC_ERR_FETCH_UNMAPPED = 8;
    int UC_ERR_INSN_INVALID = 10;
    int UC_ERR_READ_PROT = 12;
    int UC_ERR_WRITE_PROT = 13;
    int UC_ERR_FETCH_PROT = 14;
    int UC_ERR_EXCEPTION = 21;

    int UC_QUERY_TIMEOUT = 4;

    int UC_CTL_IO_WRITE = 1;
    int UC_CTL_CPU_MODEL = 7;
    int UC_CTL_TB_FLUSH = 10;
    int UC_CTL_TCG_BUFFER_SIZE = 13;

    int UC_CPU_ARM64_A72 = 2;
    int UC_CPU_ARM64_MAX = 3;

    int UC_ARM64_INS_MRS = 1;

    /** UC_CTL(type, nr, rw) = type | nr << 26 | rw << 30. */
    static int ctl(int type, int nargs, int rw) {
        return type | (nargs << 26) | (rw << 30);
    }

    int uc_version(IntByReference major, IntByReference minor);

    int uc_open(int arch, int mode, PointerByReference uc);

    int uc_close(Pointer uc);

    int uc_query(Pointer uc, int type, LongByReference result);

    int uc_ctl(Pointer uc, int control, Object... args);

    String uc_strerror(int code);

    int uc_reg_write(Pointer uc, int regid, LongByReference value);

    int uc_reg_read(Pointer uc, int regid, LongByReference value);

    int uc_mem_write(Pointer uc, long address, byte[] bytes, long size);

    int uc_mem_read(Pointer uc, long address, byte[] bytes, long size);

    int uc_emu_start(Pointer uc, long begin, long until, long timeoutMicros, long count);

    int uc_emu_stop(Pointer uc);

    int uc_hook_add(Pointer uc, LongByReference hh, int type, Callback callback, Pointer userData,
            long begin, long end, Object... extra);

    int uc_hook_del(Pointer uc, long hh);

    int uc_mem_map(Pointer uc, long address, long size, int perms);

    int uc_mem_map_ptr(Pointer uc, long address, long size, int perms, Pointer ptr);

    int uc_mem_unmap(Pointer uc, long address, long size);

    int uc_mem_protect(Pointer uc, long address, long size, int perms);

    int uc_context_alloc(Pointer uc, PointerByReference context);

    int uc_context_save(Pointer uc, Pointer context);

    int uc_context_restore(Pointer uc, Pointer context);

    int uc_context_free(Pointer context);

    /** uc_cb_hookintr_t */
    interface InterruptCallback extends Callback {
        void invoke(Pointer uc, int intno, Pointer userData);
    }

    /** uc_cb_hookcode_t (code and block hooks) */
    interface CodeCallback extends Callback {
        void invoke(Pointer uc, long address, int size, Pointer userData);
    }

    /** uc_cb_eventmem_t: return true to continue (after fixing the cause), false to stop. */
    interface MemoryEventCallback extends Callback {
        boolean invoke(Pointer uc, int type, long address, int size, long value, Pointer userData);
    }

    /** uc_cb_insn_cpuid_t: return 1 when the callback answered the instruction. */
    interface CpuidCallback extends Callback {
        int invoke(Pointer uc, Pointer userData);
    }

    /** uc_cb_insn_sys_t (arm64 MRS/MSR/SYS): return 1 when handled. */
    interface Arm64SysCallback extends Callback {
        int invoke(Pointer uc, int reg, Pointer cpReg, Pointer userData);
    }
}
