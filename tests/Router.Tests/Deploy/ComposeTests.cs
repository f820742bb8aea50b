using System.Text.RegularExpressions;
using Router.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Router.Tests.Deploy;

/// <summary>docker-compose.yml and what it mounts, read as YAML: the nodes find each other, the balancer reaches the fronts.</summary>
public class ComposeTests
{
    private static YamlMappingNode Services()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(RepoFiles.Read("docker-compose.yml")));
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    /// <summary>A mapping's entries with YAML merge keys (<c>&lt;&lt;: *anchor</c>) resolved, its own entries winning.</summary>
    private static Dictionary<string, YamlNode> Merged(YamlMappingNode mapping)
    {
        var entries = new Dictionary<string, YamlNode>();
        foreach (var (key, value) in mapping.Children)
            if (((YamlScalarNode)key).Value == "<<")
                foreach (var (k, v) in Merged((YamlMappingNode)value)) entries.TryAdd(k, v);
        foreach (var (key, value) in mapping.Children)
            if (((YamlScalarNode)key).Value is { } name and not "<<") entries[name] = value;
        return entries;
    }

    private static Dictionary<string, string> EnvOf(YamlMappingNode service) =>
        Merged((YamlMappingNode)Merged(service)["environment"]).ToDictionary(e => e.Key, e => ((YamlScalarNode)e.Value).Value ?? "");

    private static Dictionary<string, Dictionary<string, string>> Nodes() => Services().Children
        .Where(s => Regex.IsMatch(((YamlScalarNode)s.Key).Value!, @"^(router|front)-\d+$"))
        .ToDictionary(s => ((YamlScalarNode)s.Key).Value!, s => EnvOf((YamlMappingNode)s.Value));

    [Fact]
    public void Every_node_finds_every_other_by_discovery_with_no_seed()
    {
        var nodes = Nodes();
        Assert.Equal(3, nodes.Values.Count(e => e["ROUTER_ROLES"] == "router"));
        Assert.Equal(2, nodes.Values.Count(e => e["ROUTER_ROLES"] == "front"));
        var names = nodes.Select(n => $"{n.Value["ROUTER_HOSTNAME"]}:{n.Value["ROUTER_PORT"]}").ToHashSet();
        foreach (var (name, env) in nodes)
        {
            Assert.Equal(name, env["ROUTER_HOSTNAME"]); // the service's DNS name is the node's address
            Assert.Equal("config", env["ROUTER_DISCOVERY"]);
            Assert.False(env.ContainsKey("ROUTER_SEED_NODES"));
            Assert.Equal(names, env["ROUTER_DISCOVERY_ENDPOINTS"].Split(',').ToHashSet());
            // Client keys are required by interpolation: compose stops with the message instead of a restart loop.
            Assert.Matches(@"^\$\{ROUTER_API_KEYS:\?.+\}$", env["ROUTER_API_KEYS"]);
        }
    }

    [Fact]
    public void The_balancer_sends_to_both_fronts_on_their_http_port_and_is_the_only_published_port()
    {
        var services = Services();
        var fronts = Nodes().Where(n => n.Value["ROUTER_ROLES"] == "front").Select(n => n.Key).ToHashSet();
        var httpPort = RepoFiles.ImageHttpPort;
        var upstreams = Regex.Matches(RepoFiles.Read("deploy/nginx/nginx.conf"), @"^\s*server ([a-z0-9-]+):(\d+)", RegexOptions.Multiline).ToList();
        Assert.Equal(fronts, upstreams.Select(m => m.Groups[1].Value).ToHashSet());
        Assert.All(upstreams, m => Assert.Equal(httpPort, m.Groups[2].Value));
        var lb = (YamlMappingNode)services["lb"];
        Assert.Contains("./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro", ((YamlSequenceNode)lb["volumes"]).Select(v => ((YamlScalarNode)v).Value));
        var published = services.Children.Where(s => Merged((YamlMappingNode)s.Value) is var service && service.ContainsKey("ports") && !service.ContainsKey("profiles"))
            .Select(s => ((YamlScalarNode)s.Key).Value).ToList();
        Assert.Equal(["lb"], published);
    }

    [Fact]
    public void The_image_build_leaves_out_every_bin_and_obj()
    {
        var ignored = RepoFiles.Read(".dockerignore").Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
    }
}
