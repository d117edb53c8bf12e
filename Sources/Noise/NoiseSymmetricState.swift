import Crypto

/// Noise `SymmetricState` with SHA-256 and ChaChaPoly (Noise spec §5.2).
struct NoiseSymmetricState: Sendable {
    private(set) var chainingKey: [UInt8]
    private(set) var hash: [UInt8]
    private(set) var cipher = NoiseCipherState()

    /// `InitializeSymmetric(protocol_name)`.
    init(protocolName: String) {
        let name = Array(protocolName.utf8)
        if name.count <= SHA256.digestLength {
            hash = name + [UInt8](repeating: 0, count: SHA256.digestLength - name.count)
        } else {
            hash = SHA256.hash(name)
        }
        chainingKey = hash
    }

    mutating func mixKey(_ inputKeyMaterial: [UInt8]) throws(NoiseError) {
        let (ck, tempK) = HKDFSHA256.noise2(chainingKey: chainingKey, inputKeyMaterial: inputKeyMaterial)
        chainingKey = ck
        cipher = try NoiseCipherState(key: tempK)
    }

    mutating func mixHash(_ data: [UInt8]) {
        hash = SHA256.hash(hash + data)
    }

    mutating func encryptAndHash(_ plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        let ciphertext = try cipher.encrypt(associatedData: hash, plaintext: plaintext)
        mixHash(ciphertext)
        return ciphertext
    }

    mutating func decryptAndHash(_ ciphertext: [UInt8]) throws(NoiseError) -> [UInt8] {
        let plaintext = try cipher.decrypt(associatedData: hash, ciphertext: ciphertext)
        mixHash(ciphertext)
        return plaintext
    }

    /// `Split()`: the initiator-to-responder and responder-to-initiator cipher states.
    func split() throws(NoiseError) -> (NoiseCipherState, NoiseCipherState) {
        let (k1, k2) = HKDFSHA256.noise2(chainingKey: chainingKey, inputKeyMaterial: [])
        return (try NoiseCipherState(key: k1), try NoiseCipherState(key: k2))
    }
}
