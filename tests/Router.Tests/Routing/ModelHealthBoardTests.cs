using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Tests.Routing;

public class ModelHealthBoardTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_model_found_unreachable_blocks_every_model_known_to_live_on_its_node_and_no_other()
    {
        var board = new ModelHealthBoard();
        board.HostedOn(new ModelId("a/1"), "akka.tcp://router@10.0.0.3:4053");
        board.HostedOn(new ModelId("a/2"), "akka.tcp://router@10.0.0.3:4053");
        board.HostedOn(new ModelId("b/1"), "akka.tcp://router@10.0.0.4:4053");

        board.BlockNodeOf(new ModelId("a/1"), T0.AddSeconds(10));

        Assert.Equal(T0.AddSeconds(10), board.BlockedUntil(new ModelId("a/1"), T0));
        Assert.Equal(T0.AddSeconds(10), board.BlockedUntil(new ModelId("a/2"), T0));
        Assert.Null(board.BlockedUntil(new ModelId("b/1"), T0));
        Assert.False(board.IsRateLimited(new ModelId("a/2")));
        Assert.Null(board.BlockedUntil(new ModelId("a/2"), T0.AddSeconds(10))); // and only for the while given
    }

    [Fact]
    public void A_model_of_unknown_whereabouts_blocks_only_itself()
    {
        var board = new ModelHealthBoard();
        board.HostedOn(new ModelId("a/2"), "akka.tcp://router@10.0.0.3:4053");
        board.BlockNodeOf(new ModelId("x/1"), T0.AddSeconds(10));
        Assert.NotNull(board.BlockedUntil(new ModelId("x/1"), T0));
        Assert.Null(board.BlockedUntil(new ModelId("a/2"), T0));
    }

    private static ModelHealthView View(string id, CircuitState circuit, DateTimeOffset? openUntil = null, DateTimeOffset? cooldownUntil = null,
        RestReason? reason = null, string? node = null) =>
        new(new ModelId(id), circuit, openUntil, cooldownUntil, reason, 0, 1, 0, null, null, null, null, 0, node);

    [Fact]
    public void A_health_publication_is_kept_and_tells_the_board_whether_and_why_the_model_rests()
    {
        var board = new ModelHealthBoard();
        board.Observe(View("a/1", CircuitState.Closed, cooldownUntil: T0.AddSeconds(30), reason: RestReason.RateLimited, node: "n1"), T0);
        board.Observe(View("a/2", CircuitState.Open, openUntil: T0.AddSeconds(60), node: "n1"), T0);
        board.Observe(View("b/1", CircuitState.Closed, node: "n2"), T0);

        Assert.Equal(["a/1", "a/2", "b/1"], board.All.Select(v => v.ModelId.Value));
        Assert.Equal(T0.AddSeconds(30), board.BlockedUntil(new ModelId("a/1"), T0));
        Assert.True(board.IsRateLimited(new ModelId("a/1")));
        Assert.Equal(T0.AddSeconds(60), board.BlockedUntil(new ModelId("a/2"), T0));
        Assert.False(board.IsRateLimited(new ModelId("a/2")));
        Assert.Null(board.BlockedUntil(new ModelId("b/1"), T0));

        board.Observe(View("a/2", CircuitState.Closed, node: "n1"), T0.AddSeconds(61)); // closed again: no longer resting
        Assert.Null(board.BlockedUntil(new ModelId("a/2"), T0.AddSeconds(61)));
        board.BlockNodeOf(new ModelId("b/1"), T0.AddSeconds(10)); // where each actor lives came with its view
        Assert.Null(board.BlockedUntil(new ModelId("a/1"), T0.AddSeconds(40)));
        Assert.Equal(T0.AddSeconds(10), board.BlockedUntil(new ModelId("b/1"), T0));
    }
}
