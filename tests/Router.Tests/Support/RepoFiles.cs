using System.Text.RegularExpressions;

namespace Router.Tests.Support;

/// <summary>Files of the repository the deploy and dashboard tests read (compose, manifests, Dockerfile, docs).</summary>
public static class RepoFiles
{
    public static string PathOf(params string[] parts) => Path.Combine([Router.Shared.Loopback.RepositoryRoot, .. parts]);

    public static string Read(string path) => File.ReadAllText(PathOf(path));

    /// <summary>The build configuration these tests were built in (Release or Debug): that of the programs they run.</summary>
    public static string BuildConfiguration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    /// <summary>A project's built program, in <see cref="BuildConfiguration"/>.</summary>
    public static string BuiltDll(string projectDirectory, string name) =>
        PathOf(projectDirectory, "bin", BuildConfiguration, "net10.0", name + ".dll");

    /// <summary>The HTTP port the image's nodes listen on (the Dockerfile's ASPNETCORE_URLS).</summary>
    public static string ImageHttpPort => Regex.Match(Read("Dockerfile"), @"ASPNETCORE_URLS=http://0\.0\.0\.0:(\d+)").Groups[1].Value;
}
