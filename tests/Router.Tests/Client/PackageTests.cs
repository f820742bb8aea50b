using System.Diagnostics;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using Router.Tests.Support;

namespace Router.Tests.Client;

/// <summary>
/// <c>dotnet pack src/Router.Client</c>, as CI runs it: one package with the member's assemblies and their
/// documentation, the NuGet dependencies they need, and nothing of the node, its HTTP front or the fake.
/// </summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class PackageTests
{
    private static readonly string[] Assemblies = ["Router.Client", "Router.Actors", "Router.Contracts"];

    [Fact]
    public async Task The_package_holds_the_member_and_its_docs_and_depends_on_packages_not_on_the_node()
    {
        var output = TestNodes.TempDir();
        var pack = Process.Start(new ProcessStartInfo("dotnet", ["pack", RepoFiles.PathOf("src", "Router.Client"), "-c", RepoFiles.BuildConfiguration, "--no-build", "-o", output, "-nologo"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var log = await pack.StandardOutput.ReadToEndAsync() + await pack.StandardError.ReadToEndAsync();
        await pack.WaitForExitAsync();
        Assert.True(pack.ExitCode == 0, log);

        using var package = ZipFile.OpenRead(Assert.Single(Directory.GetFiles(output, "Router.Client.*.nupkg")));
        var files = package.Entries.Select(e => e.FullName).Where(n => !n.StartsWith('_') && !n.StartsWith("package/") && !n.StartsWith('[')).Order().ToList();
        Assert.Equal([
            "README.md", "Router.Client.nuspec",
            .. Assemblies.SelectMany(a => new[] { $"lib/net10.0/{a}.dll", $"lib/net10.0/{a}.xml" }).Order(),
        ], files);

        // No assembly in it refers to the node, the fake, ASP.NET Core or the tests; every Router assembly it needs is in it.
        foreach (var name in Assemblies)
        {
            using var dll = new MemoryStream();
            await using (var entry = package.GetEntry($"lib/net10.0/{name}.dll")!.Open()) await entry.CopyToAsync(dll);
            dll.Position = 0;
            using var pe = new PEReader(dll);
            var metadata = pe.GetMetadataReader();
            var references = metadata.AssemblyReferences.Select(r => metadata.GetString(metadata.GetAssemblyReference(r).Name)).ToList();
            Assert.DoesNotContain(references, r => r is "Router.Node" or "Router.FakeOpenRouter" or "Router.Tests" || r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
            Assert.All(references.Where(r => r.StartsWith("Router.", StringComparison.Ordinal)), r => Assert.Contains(r, Assemblies));
        }

        var nuspec = XDocument.Load(package.GetEntry("Router.Client.nuspec")!.Open());
        var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value).ToList();
        Assert.Contains("Microsoft.Extensions.AI", dependencies);
        Assert.Contains("Akka.Cluster.Sharding", dependencies);
        Assert.Contains("Akka.Remote.Hosting", dependencies);
        Assert.DoesNotContain(dependencies, d => d.StartsWith("Router.", StringComparison.Ordinal));
        Assert.Empty(nuspec.Descendants().Where(e => e.Name.LocalName == "frameworkReference"));

        using var readme = new StreamReader(package.GetEntry("README.md")!.Open());
        Assert.Contains("AddRouterNode", await readme.ReadToEndAsync());
    }
}
