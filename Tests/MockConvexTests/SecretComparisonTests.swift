@testable import MockConvex
import Testing

/// Secrets compare equal only when both their lengths and every byte are equal; lengths that
/// differ by a multiple of 256 once compared by content only.
@Suite(.timeLimit(.minutes(1))) struct SecretComparisonTests {
    private let key = Array("convex-self-hosted|01secret".utf8)

    @Test func equalSecretsMatch() {
        #expect(SecretComparison.equal(key, key))
    }

    @Test func twoEmptySecretsMatch() {
        #expect(SecretComparison.equal([], []))
    }

    @Test(arguments: [1, 255, 256, 512, 65536])
    func aSecretFollowedByNULsDoesNotMatch(extra: Int) {
        let padded = key + [UInt8](repeating: 0, count: extra)
        #expect(!SecretComparison.equal(padded, key))
        #expect(!SecretComparison.equal(key, padded))
    }

    @Test(arguments: [256, 512])
    func emptyAgainstNULsOfALengthThatIsAMultipleOf256DoesNotMatch(count: Int) {
        let nuls = [UInt8](repeating: 0, count: count)
        #expect(!SecretComparison.equal([], nuls))
        #expect(!SecretComparison.equal(nuls, []))
    }

    @Test func oneDifferentByteAnywhereDoesNotMatch() {
        for index in key.indices {
            var changed = key
            changed[index] ^= 0x01
            #expect(!SecretComparison.equal(changed, key), "byte \(index)")
        }
    }

    @Test func aPrefixDoesNotMatch() {
        #expect(!SecretComparison.equal(Array(key.dropLast()), key))
        #expect(!SecretComparison.equal([], key))
    }
}
