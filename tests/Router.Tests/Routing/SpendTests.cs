using System.Text;
using Router.Actors.Routing;
using Router.Contracts.OpenRouter;
using Router.FakeOpenRouter;

namespace Router.Tests.Routing;

public class SpendTests
{
    private static UpstreamCompletion Answer(string usage) =>
        UpstreamCompletion.Read(Encoding.UTF8.GetBytes("""{"model":"m/x","choices":[{"message":{"role":"assistant","content":"ok"}}],"usage":""" + usage + "}"));

    [Fact]
    public void Usage_is_read_from_the_answer_as_it_passes_with_openrouters_cost_when_sent()
    {
        Assert.Equal(new TokenUsage(12, 30, 0.00042), Answer("""{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42,"cost":0.00042,"prompt_tokens_details":{"cached_tokens":0}}""").Usage);
        Assert.Equal(new TokenUsage(12, 30, null), Answer("""{"prompt_tokens":12,"completion_tokens":30,"cost":null}""").Usage);
        Assert.Null(Answer("""{"completion_tokens":30}""").Usage); // no prompt count: no usage to price
        Assert.Null(Answer("null").Usage);
        Assert.Null(Answer("\"lots\"").Usage); // odd, but no reason to fail the answer
    }

    [Fact]
    public void A_cost_is_openrouters_own_else_tokens_times_the_catalogs_prices()
    {
        var model = SyntheticCatalog.Model("m/x", 8192, promptPrice: 0.000002); // completion priced the same
        Assert.Equal(0.00042, Spend.CostOf(new TokenUsage(12, 30, 0.00042), model));
        Assert.Equal((12 + 30) * 0.000002, Spend.CostOf(new TokenUsage(12, 30, null), model)!.Value, 12);
        Assert.Equal(0, Spend.CostOf(new TokenUsage(12, 30, null), SyntheticCatalog.Model("m/x:free", 8192, promptPrice: 0)));
        Assert.Null(Spend.CostOf(new TokenUsage(12, 30, null), new ModelInfo { Id = "m/auto", Pricing = new ModelPricing { Prompt = "-1", Completion = "-1" } }));
        Assert.Null(Spend.CostOf(null, model));
    }

    [Fact]
    public void A_streams_usage_chunk_reads_the_same()
    {
        var chunk = UpstreamChunk.Read(Encoding.UTF8.GetBytes("""{"id":"g","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12,"cost":0.001}}"""));
        Assert.Equal(new TokenUsage(5, 7, 0.001), TokenUsage.From(chunk.Chunk.Usage!));
    }
}
