using Akka.Actor;
using Akka.Configuration;
using Akka.Discovery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Router.Client.Clustering;
using Router.Tests.Support;

namespace Router.Tests.Clustering;

/// <summary>The Kubernetes discovery against an API server on loopback answering the pod list as Kubernetes does.</summary>
public class KubernetesPodDiscoveryTests
{
    private static string Pod(string name, string phase, string ip, int port, bool terminating = false) =>
        "{\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"routing\"" + (terminating ? ",\"deletionTimestamp\":\"2026-11-30T10:00:00Z\"" : "") + "}," +
        "\"spec\":{\"containers\":[{\"name\":\"router\",\"ports\":[{\"name\":\"http\",\"containerPort\":8080},{\"name\":\"remoting\",\"containerPort\":" + port + "}]}]}," +
        "\"status\":{\"phase\":\"" + phase + "\",\"podIP\":\"" + ip + "\"}}";

    [Fact]
    public async Task Finds_the_running_pods_of_its_namespace_by_label_at_their_remoting_port()
    {
        var port = TestNodes.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var api = builder.Build();
        string? asked = null;
        api.MapGet("/api/v1/namespaces/{ns}/pods", (HttpContext http, string ns) =>
        {
            asked = $"{ns}?{http.Request.Query["labelSelector"]}";
            return Results.Text($$"""
                {"kind":"PodList","apiVersion":"v1","metadata":{},"items":[
                {{Pod("router-0", "Running", "10.1.0.5", 4053)}},
                {{Pod("router-1", "Pending", "", 4053)}},
                {{Pod("router-2", "Running", "10.1.0.7", 4063)}},
                {{Pod("router-3", "Running", "10.1.0.9", 4053, terminating: true)}}]}
                """, "application/json");
        });
        await api.StartAsync();

        using var system = ActorSystem.Create("k8s", ConfigurationFactory.ParseString($$"""
            akka.discovery.{{KubernetesPodDiscovery.Method}} {
              pod-label-selector = "app={0}"
              pod-namespace = "routing"
              api-url = "http://127.0.0.1:{{port}}"
            }
            """));
        var discovery = new KubernetesPodDiscovery((ExtendedActorSystem)system);
        var resolved = await discovery.Lookup(new Lookup("router", "remoting", "tcp"), TimeSpan.FromSeconds(10));

        Assert.Equal("routing?app=router", asked);
        Assert.Equal([("10.1.0.5", 4053), ("10.1.0.7", 4063)], resolved.Addresses.Select(t => (t.Host, t.Port ?? 0)));
        Assert.All(resolved.Addresses, t => Assert.Equal(t.Host, t.Address?.ToString()));
    }
}
