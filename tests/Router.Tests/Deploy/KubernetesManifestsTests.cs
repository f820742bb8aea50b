using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Router.Tests.Support;

namespace Router.Tests.Deploy;

/// <summary>
/// deploy/kubernetes read as the Kubernetes client reads manifests (typed objects, unknown fields refused), and the
/// fields that must agree across them checked: discovery's label selector against the pods' labels, the probes and
/// the Service against the containers' ports, the RBAC against the service account, and every variable against the
/// configuration table.
/// </summary>
public class KubernetesManifestsTests
{
    private static readonly string Dir = RepoFiles.PathOf("deploy", "kubernetes");

    /// <summary>What <c>kubectl apply -f deploy/kubernetes/</c> applies, and the Secret applied before it.</summary>
    private static List<object> All() => Directory.GetFiles(Dir, "*.yaml").Order().Append(Path.Combine(Dir, "example", "secret.yaml"))
        .SelectMany(f => KubernetesYaml.LoadAllFromString(File.ReadAllText(f), strict: true)).ToList();

    private static string? Env(V1Container container, string name) => container.Env.SingleOrDefault(e => e.Name == name)?.Value;

    [Fact]
    public void Every_document_parses_as_a_known_kind()
    {
        var kinds = All().Select(o => ((IKubernetesObject)o).Kind).Order().ToList();
        Assert.Equal(["Deployment", "Deployment", "PodDisruptionBudget", "PodDisruptionBudget", "Role", "RoleBinding", "Secret", "Service", "ServiceAccount"], kinds);
    }

    [Fact]
    public void The_nodes_find_each_other_the_way_the_pods_are_labelled_and_serve_their_probes()
    {
        var all = All();
        var deployments = all.OfType<V1Deployment>().ToList();
        Assert.Equal(["router", "router-front"], deployments.Select(d => d.Metadata.Name).Order());
        foreach (var deployment in deployments)
        {
            var pod = deployment.Spec.Template;
            var container = Assert.Single(pod.Spec.Containers);
            Assert.Equal("kubernetes", Env(container, "ROUTER_DISCOVERY"));
            // The discovery selector (app={0}, the service name) picks these pods, and the deployment's own selector its template.
            var service = Env(container, "ROUTER_DISCOVERY_SERVICE") ?? "router";
            Assert.Equal(service, pod.Metadata.Labels["app"]);
            Assert.All(deployment.Spec.Selector.MatchLabels, l => Assert.Equal(l.Value, pod.Metadata.Labels[l.Key]));
            // Discovery reads the port named "remoting"; it must be the one remoting listens on, at the pod's own address.
            Assert.Equal(Env(container, "ROUTER_PORT"), container.Ports.Single(p => p.Name == "remoting").ContainerPort.ToString());
            Assert.Equal("status.podIP", container.Env.Single(e => e.Name == "ROUTER_HOSTNAME").ValueFrom.FieldRef.FieldPath);
            // Probes on the HTTP port Kestrel listens on.
            var http = container.Ports.Single(p => p.Name == "http");
            Assert.EndsWith(":" + http.ContainerPort, Env(container, "ASPNETCORE_URLS"));
            Assert.Equal(("/ready", "http"), (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value));
            Assert.Equal(("/health", "http"), (container.LivenessProbe.HttpGet.Path, container.LivenessProbe.HttpGet.Port.Value));
            // The graceful leave fits in the grace period: the preStop pause, Kestrel's 10 s drain, the hand-off.
            var pause = int.Parse(container.Lifecycle.PreStop.Exec.Command.Last());
            Assert.True(pod.Spec.TerminationGracePeriodSeconds >= pause + 10 + 20, $"grace {pod.Spec.TerminationGracePeriodSeconds}s");
            // Listing pods is granted to the account the pods run as.
            Assert.Equal("router", pod.Spec.ServiceAccountName);
            // Each deployment has a disruption budget over its own pods.
            var budget = Assert.Single(all.OfType<V1PodDisruptionBudget>(), b => b.Metadata.Name == deployment.Metadata.Name);
            Assert.Equal(deployment.Spec.Selector.MatchLabels, budget.Spec.Selector.MatchLabels);
            // Secrets come from the Secret, under keys it has.
            var secret = Assert.Single(all.OfType<V1Secret>());
            foreach (var reference in container.Env.Where(e => e.ValueFrom?.SecretKeyRef is not null).Select(e => e.ValueFrom.SecretKeyRef))
                Assert.Equal(secret.Metadata.Name, reference.Name);
            Assert.All(container.Env.Where(e => e.ValueFrom?.SecretKeyRef is not null), e => Assert.Contains(e.ValueFrom.SecretKeyRef.Key, secret.StringData.Keys));
        }
        Assert.Equal(3, deployments.Where(d => Env(d.Spec.Template.Spec.Containers[0], "ROUTER_ROLES") == "router").Sum(d => d.Spec.Replicas));
        // Fronts bind beyond loopback: they get client keys.
        var front = deployments.Single(d => Env(d.Spec.Template.Spec.Containers[0], "ROUTER_ROLES") == "front").Spec.Template;
        Assert.Contains(front.Spec.Containers[0].Env, e => e.Name == "ROUTER_API_KEYS");
        var role = Assert.Single(all.OfType<V1Role>());
        var rule = Assert.Single(role.Rules);
        Assert.Equal(["pods"], rule.Resources);
        Assert.Equal(["get", "watch", "list"], rule.Verbs);
        var binding = Assert.Single(all.OfType<V1RoleBinding>());
        Assert.Equal((role.Metadata.Name, "router"), (binding.RoleRef.Name, Assert.Single(binding.Subjects).Name));
        Assert.Equal("router", Assert.Single(all.OfType<V1ServiceAccount>()).Metadata.Name);
        // The Service sends traffic to the fronts' HTTP port only.
        var api = Assert.Single(all.OfType<V1Service>());
        Assert.All(api.Spec.Selector, l => Assert.Equal(l.Value, front.Metadata.Labels[l.Key]));
        Assert.Equal("front", api.Spec.Selector["component"]);
        Assert.Equal("http", Assert.Single(api.Spec.Ports).TargetPort.Value);
    }

    [Fact]
    public void Every_variable_the_manifests_set_is_one_router_documents()
    {
        // The first column of the table's rows: one variable or several ("`ROUTER_HOSTNAME`, `ROUTER_PORT`").
        var documented = Regex.Matches(RepoFiles.Read("docs/operations.md"), @"^\|([^|]+)\|", RegexOptions.Multiline)
            .SelectMany(row => Regex.Matches(row.Groups[1].Value, "`([A-Z0-9_]+)`").Select(m => m.Groups[1].Value)).ToHashSet();
        var names = All().OfType<V1Deployment>().SelectMany(d => d.Spec.Template.Spec.Containers[0].Env).Select(e => e.Name).Distinct().ToList();
        Assert.NotEmpty(names);
        Assert.All(names, name => Assert.True(documented.Contains(name) || name == "ASPNETCORE_URLS", $"{name} is not in docs/operations.md's configuration table"));
    }
}
