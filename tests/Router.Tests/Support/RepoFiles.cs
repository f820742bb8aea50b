using System.Text.RegularExpressions;

namespace Router.Tests.Support;

/// <summary>Files of the repository the deploy and dashboard tests read (compose, manifests, Dockerfile, docs).</summary>
public static class RepoFiles
{
    public static string PathOf(params string[] parts) => Path.Combine([Router.Shared.Loopback.RepositoryRoot, .. parts]);

    public static string Read(string path) => File.ReadAllText(PathOf(path));

    /// <summary>The HTTP port the image's nodes listen on (the Dockerfile's ASPNETCORE_URLS).</summary>
    public static string ImageHttpPort => Regex.Match(Read("Dockerfile"), @"ASPNETCORE_URLS=http://0\.0\.0\.0:(\d+)").Groups[1].Value;
}
