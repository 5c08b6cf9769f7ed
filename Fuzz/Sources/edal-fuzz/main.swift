// libFuzzer's entry point. libFuzzer supplies `main`; this file only defines the callback it calls
// with each input, handing the bytes to the target `EDAL_FUZZ_TARGET` names (see `FuzzTarget`).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    FuzzTarget.selected.run(bytes)
    return 0
}
