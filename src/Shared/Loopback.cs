using System.Net;
using System.Net.Sockets;

namespace Router.Shared;

/// <summary>
/// Small facts about this machine and checkout that the node, the tests and the benchmark all need; one copy, compiled
/// into each (linked source: the benchmark references no Router project).
/// </summary>
internal static class Loopback
{
    /// <summary>A TCP port free on loopback right now (the OS picks it).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The repository this program was built from: the first directory above it holding Router.sln.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Router.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("not run from a build inside the repository");
        }
    }
}
