namespace Router.Tests.Support;

/// <summary>
/// Tests that time real waits against a floor and a ceiling (the client's retry backoff). They run alone, after the
/// parallel collections: beside the cluster tests a starved thread pool once stretched a 150 ms wait to 847 ms in CI.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing";
}
