using System.Security.Cryptography;
using System.Text;

namespace Router.Node.Security;

/// <summary>
/// The client keys (ROUTER_API_KEYS), kept only as SHA-256 hashes and compared in constant time against every key, so
/// neither the keys nor timing reveal anything. A key is known in logs and quotas by a short id (hash prefix).
/// </summary>
public sealed class ApiKeyRing(IEnumerable<string> keys)
{
    public const string Anonymous = "anonymous";
    private readonly byte[][] _hashes = keys.Select(Hash).ToArray();

    public bool Enabled => _hashes.Length > 0;

    /// <summary>The key's id, or null when it is not one of the ring's keys.</summary>
    public string? Identify(string? presented)
    {
        if (string.IsNullOrEmpty(presented)) return null;
        var hash = Hash(presented);
        string? found = null;
        foreach (var known in _hashes)
            if (CryptographicOperations.FixedTimeEquals(hash, known))
                found ??= IdOf(known);
        return found;
    }

    public static string IdOf(byte[] hash) => Convert.ToHexStringLower(hash, 0, 6);

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
