using System.Net;

namespace Router.Client.Security;

/// <summary>
/// The rule for Akka remoting's listening address: beyond loopback, any peer that reaches the port could join the
/// cluster and send it messages, so a non-loopback bind needs TLS (ROUTER_REMOTING_TLS_CERT) or an explicit opt-out.
/// </summary>
public static class RemotingGuard
{
    public static string? Problem(string hostname, bool tls, bool allowPlaintext) =>
        tls || allowPlaintext || IsLoopback(hostname) ? null
            : $"ROUTER_REMOTING_TLS_CERT: Akka remoting binds '{hostname}', beyond loopback, where any peer that reaches the port could join the cluster; " +
              "give it a certificate (ROUTER_REMOTING_TLS_CERT), or set ROUTER_REMOTING_ALLOW_PLAINTEXT=true on a network only the cluster can reach";

    /// <summary>localhost, 127.0.0.0/8 and ::1 (IPv4-mapped included); every other name or address, wildcards too, is not.</summary>
    public static bool IsLoopback(string hostname)
    {
        if (string.Equals(hostname, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        if (!IPAddress.TryParse(hostname.Trim('[', ']'), out var ip)) return false;
        return IPAddress.IsLoopback(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
    }
}
