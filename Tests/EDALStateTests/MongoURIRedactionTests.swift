import Testing

@testable import EDALState

/// A MongoDB URI as logs, errors, `edal config`, `/readyz` and the operator page show it.
@Suite("MongoDB URI redaction")
struct MongoURIRedactionTests {
    @Test("the password and every secret-bearing option's value are replaced; other options stay")
    func secretsReplaced() {
        let uri =
            "mongodb://edal:pa55word@db1:27017,db2/edal?replicaSet=rs0&tlsCertificateKeyFilePassword=hunter2&authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:FQoGZXIvYXdzEXAMPLE&TLSCERTIFICATEKEYFILEPASSWORD=other-secret"
        let shown = StateStoreFactory.redacted(uri)
        for secret in ["pa55word", "hunter2", "FQoGZXIvYXdzEXAMPLE", "other-secret"] {
            #expect(!shown.contains(secret), "\(shown)")
        }
        #expect(
            shown
                == "mongodb://edal:***@db1:27017,db2/edal?replicaSet=rs0&tlsCertificateKeyFilePassword=***&authMechanism=MONGODB-AWS&authMechanismProperties=***&TLSCERTIFICATEKEYFILEPASSWORD=***"
        )
        #expect(
            StateStoreFactory.redacted("mongodb+srv://cluster.example/edal") == "mongodb+srv://cluster.example/edal")
        #expect(StateStoreFactory.redacted("sqlite:/var/lib/edal/state.db") == "sqlite:/var/lib/edal/state.db")
    }

    @Test("a URI libmongoc refuses is reported without its secrets, even where libmongoc quotes them")
    func refusedURIScrubbed() async {
        let uri =
            "mongodb://h/db?authMechanismProperties=AWS_SESSION_TOKEN:SECRETTOKEN123&tlsCertificateKeyFilePassword=pw-secret-9&w=bogus-%ZZ"
        do {
            _ = try await StateStoreFactory.open(uri: uri)
            Issue.record("opened a URI with a malformed option")
        } catch {
            let text = "\(error)"
            #expect(!text.contains("SECRETTOKEN123") && !text.contains("pw-secret-9"), "\(text)")
        }
        #expect(
            MongoConnection.scrub("Unsupported value AWS_SESSION_TOKEN:SECRETTOKEN123", secretsOf: uri)
                == "Unsupported value ***")
    }
}
