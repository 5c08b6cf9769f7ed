import EDALCore

@main struct EDALCommand { static func main() { print("edal \(EDALVersion.current)") } }
