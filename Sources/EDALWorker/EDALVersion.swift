/// The version of EDAL, reported in logs, the user agent and `edal --version`.
public enum EDALVersion {
    public static let current = "0.1.0"
}
