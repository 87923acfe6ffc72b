/**
 * The EFI implementation: system table, boot and runtime services, protocol database,
 * console, RNG, LoadFile2 initrd and configuration tables, over a
 * {@link efikexec.model.memory.GuestMemory}. It never sees the CPU engine: guest calls arrive
 * through {@link efikexec.bootservices.call.ServiceRegistry#invoke} with their arguments.
 *
 * <h2>Scope (keep current)</h2>
 * <b>Implemented</b>: AllocatePages, FreePages, GetMemoryMap, AllocatePool, FreePool,
 * RaiseTPL/RestoreTPL (a number), CreateEvent/CreateEventEx/CloseEvent/CheckEvent (events are
 * never signalled), Install/Reinstall/UninstallProtocolInterface, HandleProtocol, LocateHandle,
 * LocateDevicePath (longest node-wise prefix), InstallConfigurationTable, LoadImage (from a
 * source buffer, from a file on the ESP's SimpleFileSystem, or from the LoadFile2/LoadFile the
 * guest installed on the device path, which the emulator calls for the service (a
 * {@link efikexec.bootservices.FirmwareEvent.CallGuest}): parsed, placed, relocated, with
 * its LoadedImage), StartImage (the emulator runs
 * the child on the caller's behalf; its return or Exit gives the caller its status),
 * UnloadImage (of images not started), Exit,
 * ExitBootServices (with a real MapKey check), Stall (virtual clock), SetWatchdogTimer (answers
 * UNSUPPORTED: there is no watchdog), GetNextMonotonicCount, OpenProtocol, CloseProtocol,
 * ProtocolsPerHandle, LocateHandleBuffer, LocateProtocol, Install/
 * UninstallMultipleProtocolInterfaces, CalculateCrc32, CopyMem, SetMem; runtime GetTime (fixed
 * date plus the virtual clock), GetVariable, GetNextVariableName, SetVariable (in memory for the
 * run), ResetSystem (ends the run). Protocols: LoadedImage and its device path,
 * SimpleTextOutput (ConOut = StdErr, into the console log), SimpleTextInput (no key ever),
 * RNG (seeded), LoadFile2 initrd on VenMedia(LINUX_EFI_INITRD_MEDIA), SimpleFileSystem and
 * File (revision 1, read-only) over the ESP on the image's device. Config tables: the
 * target DTB, EFI_RT_PROPERTIES_TABLE (nothing supported at runtime), LINUX_EFI_RANDOM_SEED,
 * SMBIOS3 (types 1, 11 and 127) when OEM strings are given. Variables: SecureBoot = 1 and
 * SetupMode = 0 when the image was verified against a db, else absent (NOT_FOUND).
 * <p>
 * <b>Logged and EFI_UNSUPPORTED</b>: every other boot-services slot (LoadImage without a
 * source buffer answers NOT_FOUND for a path on no SimpleFileSystem of ours and no LoadFile2 or
 * LoadFile),
 * SetTimer, WaitForEvent, SignalEvent, Connect/DisconnectController, OpenProtocolInformation,
 * RegisterProtocolNotify; runtime SetTime, wake-up timer, ConvertPointer, capsules,
 * QueryVariableInfo, GetNextHighMonotonicCount.
 * <p>
 * <b>After ExitBootServices</b>: boot services answer UNSUPPORTED (and are traced); the runtime
 * table points at real guest code in EfiRuntimeServicesCode that returns EFI_UNSUPPORTED, since
 * the kernel calls it after the handoff where no trap can answer.
 * <p>
 * <b>Not here on purpose</b>: the driver model, event notification and timers, TPL semantics,
 * authenticated or persistent variables, capsules, TCG2, HII, graphics.
 */
package efikexec.bootservices;
