using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Router.Tests.Support;
using Xunit.Abstractions;

namespace Router.Tests.Clustering;

/// <summary>Node processes forming a cluster over mutual TLS with a certificate the test makes, and peers without it kept out.</summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class RemotingTlsTests(ITestOutputHelper output) : IDisposable
{
    private const string Password = "test-pfx-password";
    private readonly string _dir = TestNodes.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A self-signed certificate with its private key, as a password-protected PKCS#12 file.</summary>
    private string Certificate(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false)); // server and client auth
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = Path.Combine(_dir, name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        return path;
    }

    private static async Task<int> MembersUpAsync(NodeProcess node)
    {
        using var http = new HttpClient();
        var ready = await http.GetFromJsonAsync<JsonElement>(node.Url + "/ready");
        return ready.GetProperty("members_up").GetInt32();
    }

    [Fact]
    public async Task Nodes_sharing_the_certificate_form_a_cluster_and_a_node_without_it_is_refused()
    {
        var cluster = Certificate("router-cluster");
        var seedPort = TestNodes.FreePort();
        var seed = $"akka.ssl.tcp://router@127.0.0.1:{seedPort}";
        Dictionary<string, string> Env(string? certificate) => certificate is null
            ? new() { ["ROUTER_SEED_NODES"] = seed.Replace("akka.ssl.tcp", "akka.tcp") }
            : new() { ["ROUTER_SEED_NODES"] = seed, ["ROUTER_REMOTING_TLS_CERT"] = certificate, ["ROUTER_REMOTING_TLS_CERT_PASSWORD"] = Password };

        await using var first = NodeProcess.Start("tls-1", Env(cluster), seedPort);
        await first.WaitReadyAsync();
        await using var second = NodeProcess.Start("tls-2", Env(cluster));
        await second.WaitReadyAsync(membersUp: 2);
        await first.WaitReadyAsync(membersUp: 2);

        await using var intruder = NodeProcess.Start("intruder", Env(Certificate("someone-else")));
        await using var plaintext = NodeProcess.Start("plaintext", Env(null));
        // The seed refuses their handshakes (the intruder's certificate is not the pinned one; the plaintext node
        // speaks no TLS), so neither becomes a member; wait until the intruder has been turned away a few times.
        await Wait.UntilAsync(() => first.Output.Count(l => l.Contains("TLS handshake failed")) >= 2
                                    && intruder.Output.Any(l => l.Contains("TLS handshake failed"))
                                    && plaintext.Output.Any(l => l.Contains("Association failed")), 60_000);
        foreach (var line in first.Output.Where(l => l.Contains("TLS handshake failed")).Take(3)) output.WriteLine("seed: " + line);

        Assert.Equal(2, await MembersUpAsync(first));
        Assert.Equal(2, await MembersUpAsync(second));
        using var http = new HttpClient();
        foreach (var outsider in new[] { intruder, plaintext })
        {
            bool ready;
            try
            {
                ready = (await http.GetAsync(outsider.Url + "/ready")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                // Akka.NET shuts a node down once its TLS handshake has failed (CoordinatedShutdown, exit code 79).
                ready = false;
            }
            Assert.False(ready, $"{outsider.Name} joined");
        }
    }
}
