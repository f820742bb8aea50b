using Router.Actors.Catalog;
using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;
using Router.FakeOpenRouter;

namespace Router.Tests.Routing;

public class CandidatePlannerTests
{
    private static readonly CatalogView Catalog = new(new CatalogUpdated(
        [SyntheticCatalog.Model("cat/small", 4096), SyntheticCatalog.Model("cat/big", 200000), SyntheticCatalog.Model("cfg/default", 8192), SyntheticCatalog.Model("cat/mid", 32768)],
        DateTimeOffset.UtcNow, 1, 1, 0, null, null));

    private static readonly RoutingSettings Settings = new()
    {
        DefaultModel = new ModelId("cfg/default"),
        FallbackModels = [new ModelId("cfg/fallback-1"), new ModelId("cat/mid")],
    };

    private static RouteRequest Route(string? model = null, IReadOnlyList<string>? models = null, bool strict = false) =>
        new(new ChatCompletionRequest { Model = model, Models = models, Messages = [ChatMessage.Text("user", "hi")] }, false, strict);

    [Fact]
    public void Priority_is_request_model_then_models_then_default_then_fallbacks_then_catalog_by_context()
    {
        var plan = CandidatePlanner.Plan(Route("req/model", ["req/alt", "cat/small"]), Settings, Catalog);
        Assert.Equal(["req/model", "req/alt", "cat/small", "cfg/default", "cfg/fallback-1", "cat/mid", "cat/big"], plan.Select(m => m.Model.Value));
    }

    [Fact]
    public void Without_a_requested_model_the_default_leads()
    {
        var plan = CandidatePlanner.Plan(Route(), Settings, Catalog);
        Assert.Equal(["cfg/default", "cfg/fallback-1", "cat/mid", "cat/big", "cat/small"], plan.Select(m => m.Model.Value));
    }

    [Fact]
    public void Without_configuration_the_catalog_is_tried_largest_context_first()
    {
        var plan = CandidatePlanner.Plan(Route(), new RoutingSettings(), Catalog);
        Assert.Equal(["cat/big", "cat/mid", "cfg/default", "cat/small"], plan.Select(m => m.Model.Value));
    }

    [Fact]
    public void Strict_requests_try_only_their_model()
    {
        Assert.Equal(["req/model"], CandidatePlanner.Plan(Route("req/model", strict: true), Settings, Catalog).Select(m => m.Model.Value));
        Assert.Empty(CandidatePlanner.Plan(Route(strict: true), Settings, Catalog));
    }

    [Fact]
    public void An_empty_catalog_and_no_configuration_means_no_candidates()
    {
        Assert.Empty(CandidatePlanner.Plan(Route(), new RoutingSettings(), CatalogView.Empty));
    }
}
