namespace Router.Tests.Support;

/// <summary>
/// The system tests (nodes, clusters, processes, PostgreSQL, a browser) run one class at a time, after the fast tests,
/// which run in parallel: each node has its own metrics, so only machine load is shared, and node processes are load.
/// </summary>
[CollectionDefinition(Collection, DisableParallelization = true)]
public sealed class SystemTests
{
    public const string Collection = "system";
}
