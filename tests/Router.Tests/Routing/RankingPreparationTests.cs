using Router.Actors.Catalog;
using Router.Actors.Routing;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;
using static Router.Tests.Routing.RoutingStrategyTests;

namespace Router.Tests.Routing;

/// <summary>A new catalog version's ranking table is built off the request path, before requests see the version.</summary>
public class RankingPreparationTests
{
    private static CatalogUpdated Version(long version, params string[] ids) =>
        new([.. ids.Select((id, i) => Priced(id, 1_000 * (i + 1), 1e-6, 1e-6))], DateTimeOffset.UnixEpoch, version, 1, 0, null, null);

    [Fact]
    public void The_replica_has_the_board_build_a_new_versions_table_before_requests_see_that_version()
    {
        var board = new ModelHealthBoard();
        CatalogReplica replica = null!;
        var seenBySwap = new List<(long Version, bool Ready)>();
        replica = new CatalogReplica(prepare: view =>
        {
            board.Prepare(view, sortsByDefault: true);
            seenBySwap.Add((replica.Current.Update.Version, board.HasRankingFor(view)));
        });

        Assert.True(replica.Apply(Version(1, "m/a", "m/b")));
        Assert.True(board.HasRankingFor(replica.Current));
        Assert.True(replica.Apply(Version(2, "m/a", "m/b", "m/c")));
        Assert.True(board.HasRankingFor(replica.Current));
        Assert.Equal([(0L, true), (1L, true)], seenBySwap); // ready while requests still saw the version before

        // A failed fetch changes the status, not the models: nothing to build.
        Assert.True(replica.Apply(Version(2, "m/a", "m/b", "m/c") with { FetchFailures = 1 }));
        Assert.Equal(2, seenBySwap.Count);
    }

    [Fact]
    public void A_node_that_neither_sorts_by_default_nor_has_sorted_builds_no_table()
    {
        var board = new ModelHealthBoard();
        var first = new CatalogView(Version(1, "m/a"));
        board.Prepare(first, sortsByDefault: false);
        Assert.False(board.HasRankingFor(first));

        board.RankingFor(first); // a request sorted: from now on each version is prepared
        var second = new CatalogView(Version(2, "m/a", "m/b"));
        board.Prepare(second, sortsByDefault: false);
        Assert.True(board.HasRankingFor(second));
    }

    [Fact]
    public void A_request_still_on_the_older_version_leaves_the_newer_table_in_place()
    {
        var board = new ModelHealthBoard();
        var older = new CatalogView(Version(1, "m/a"));
        var newer = new CatalogView(Version(2, "m/a", "m/b"));
        board.Prepare(newer, sortsByDefault: true);

        var olderTable = board.RankingFor(older);
        Assert.Equal((1, "m/a"), (olderTable.Count, olderTable.ModelAt(0).Value));
        Assert.True(board.HasRankingFor(newer));
        Assert.False(board.HasRankingFor(older));
    }

    [Fact]
    public void A_preparation_that_fails_does_not_keep_the_new_version_from_requests()
    {
        var replica = new CatalogReplica(prepare: _ => throw new InvalidOperationException("prepare failed"));
        Assert.True(replica.Apply(Version(1, "m/a")));
        Assert.Equal(1, replica.Current.Update.Version);
    }
}
