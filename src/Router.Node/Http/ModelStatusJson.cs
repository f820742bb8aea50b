using System.Text.Json;
using System.Text.Json.Nodes;
using Router.Actors.Catalog;
using Router.Actors.Routing;
using Router.Contracts.Messages;

namespace Router.Node.Http;

/// <summary>
/// A model's health as <c>/router/models</c> serves it: the model actor's view with its measurements, plus its
/// <c>score</c> (the blend <c>router.sort: "score"</c> ranks by, 0 best, for a reference request of 1,000 prompt and
/// 512 completion tokens; null outside the catalog).
/// </summary>
public static class ModelStatusJson
{
    public static JsonNode Of(ModelHealthView view, CandidateRanker ranker, RankingTable table)
    {
        var node = JsonSerializer.SerializeToNode(view, HttpResults.Json)!;
        var index = table.IndexOf(view.ModelId);
        node["score"] = index < 0 ? null : Math.Round(ranker.Score(index), 4);
        return node;
    }

    public static JsonArray List(IEnumerable<ModelHealthView> views, ModelHealthBoard board, CatalogView catalog)
    {
        var table = board.RankingFor(catalog);
        var ranker = CandidateRanker.Reference(table);
        return new JsonArray(views.Select(v => (JsonNode?)Of(v, ranker, table)).ToArray());
    }
}
