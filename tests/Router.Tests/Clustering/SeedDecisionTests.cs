using Router.Client.Clustering;

namespace Router.Tests.Clustering;

public class SeedDecisionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private const string A = "akka.tcp://router@10.0.0.1:4053", B = "akka.tcp://router@10.0.0.2:4053", C = "akka.tcp://router@10.0.0.3:4053";

    [Fact]
    public void Joins_only_once_enough_nodes_are_found_and_the_set_has_held_still()
    {
        var decision = new SeedDecision(required: 3, stableMargin: TimeSpan.FromSeconds(5));
        Assert.Null(decision.Observe([A, B], T0));
        Assert.Null(decision.Observe([A, B], T0.AddSeconds(10)));      // too few, however long
        Assert.Null(decision.Observe([C, A, B], T0.AddSeconds(11)));   // enough, but new
        Assert.Null(decision.Observe([B, C, A], T0.AddSeconds(15)));   // the same set, not yet settled
        Assert.Equal([A, B, C], decision.Observe([C, B, A], T0.AddSeconds(16)));
    }

    [Fact]
    public void A_change_in_the_set_starts_the_wait_again()
    {
        var decision = new SeedDecision(required: 2, stableMargin: TimeSpan.FromSeconds(5));
        Assert.Null(decision.Observe([A, B], T0));
        Assert.Null(decision.Observe([A, C], T0.AddSeconds(4)));
        Assert.Null(decision.Observe([A, C], T0.AddSeconds(8)));
        Assert.Equal([A, C], decision.Observe([A, C], T0.AddSeconds(9)));
    }

    [Fact]
    public void Every_node_that_finds_the_same_set_gets_the_same_seed_list()
    {
        var first = new SeedDecision(3, TimeSpan.Zero).Observe([B, C, A], T0);
        var second = new SeedDecision(3, TimeSpan.Zero).Observe([C, A, B], T0);
        Assert.Equal(first, second);
        Assert.Equal(A, first![0]); // the one that may start a new cluster
    }
}
