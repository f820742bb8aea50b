using Router.Actors.Routing;
using Router.Contracts;

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
}
