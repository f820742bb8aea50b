namespace Router.Client.Security;

/// <summary>
/// The rule for the HTTP front's listening addresses: a non-loopback address needs client keys. It is checked twice:
/// on the configured URLs at start-up, and on the addresses Kestrel actually bound (whatever configured them:
/// ASPNETCORE_URLS, --urls, Kestrel__Endpoints__*, appsettings), before the first request is let through.
/// </summary>
public sealed class BindGuard
{
    private volatile bool _open;

    /// <summary>Whether requests may be served: the bound addresses have been checked.</summary>
    public bool IsOpen => _open;

    public void Open() => _open = true;

    /// <summary>The problem with serving on <paramref name="addresses"/>, or null when there is none.</summary>
    public static string? Problem(IEnumerable<string> addresses, bool servesApi, bool hasKeys)
    {
        if (!servesApi || hasKeys) return null;
        var open = addresses.Where(a => !IsLoopback(a)).ToList();
        return open.Count == 0 ? null
            : $"ROUTER_API_KEYS: client keys are required when the HTTP front binds a non-loopback address ({string.Join(", ", open)})";
    }

    /// <summary>127.0.0.0/8, ::1 (and IPv4-mapped loopback) and localhost; wildcards (*, +, 0.0.0.0, [::]) and every other host are not.</summary>
    public static bool IsLoopback(string url) =>
        Uri.TryCreate(WithWildcardHost(url), UriKind.Absolute, out var uri) && (uri.IsLoopback || RemotingGuard.IsLoopback(uri.Host));

    /// <summary>Kestrel's wildcard hosts (<c>http://*:8080</c>, <c>http://+:8080</c>) as a parsable address.</summary>
    public static string WithWildcardHost(string url) =>
        url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
}
