using System.Net;
using Akka.Actor;
using Akka.Discovery;
using k8s;

namespace Router.Client.Clustering;

/// <summary>
/// Akka.Discovery over the Kubernetes API, with the official client: the running pods of this namespace that match
/// the label selector, at their container port named in the lookup. (Akka.Discovery.KubernetesApi 1.5.73 is built
/// against a KubernetesClient the registry here does not serve and fails at its first lookup.)
/// </summary>
public sealed class KubernetesPodDiscovery : ServiceDiscovery
{
    public const string Method = "router-kubernetes";
    private const string ServiceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    private readonly Kubernetes _client;
    private readonly string _selector;
    private readonly string _namespace;

    public KubernetesPodDiscovery(ExtendedActorSystem system)
    {
        var config = system.Settings.Config.GetConfig("akka.discovery." + Method);
        _selector = config.GetString("pod-label-selector", "app={0}");
        _namespace = config.GetString("pod-namespace", "") is { Length: > 0 } configured ? configured
            : File.Exists(ServiceAccountNamespace) ? File.ReadAllText(ServiceAccountNamespace).Trim() : "default";
        // In a pod: the API server and the service account's token; outside (kubectl proxy, tests): the URL given.
        _client = new Kubernetes(config.GetString("api-url", "") is { Length: > 0 } url
            ? new KubernetesClientConfiguration { Host = url }
            : KubernetesClientConfiguration.InClusterConfig());
    }

    public override async Task<Resolved> Lookup(Lookup lookup, TimeSpan resolveTimeout)
    {
        using var timeout = new CancellationTokenSource(resolveTimeout);
        var pods = await _client.CoreV1.ListNamespacedPodAsync(_namespace, labelSelector: string.Format(_selector, lookup.ServiceName),
            cancellationToken: timeout.Token);
        var targets = pods.Items
            .Where(p => p.Status?.Phase == "Running" && p.Metadata?.DeletionTimestamp is null && !string.IsNullOrEmpty(p.Status.PodIP))
            .Select(p => new ResolvedTarget(p.Status.PodIP, PortOf(p, lookup.PortName), IPAddress.TryParse(p.Status.PodIP, out var ip) ? ip : null))
            .ToList();
        return new Resolved(lookup.ServiceName, targets);
    }

    private static int? PortOf(k8s.Models.V1Pod pod, string? name) => name is null ? null
        : pod.Spec?.Containers?.SelectMany(c => c.Ports ?? []).FirstOrDefault(p => p.Name == name)?.ContainerPort;
}
