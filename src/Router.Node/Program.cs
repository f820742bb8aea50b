using Router.Client.Configuration;
using System.CommandLine;
using Router.Node.Configuration;
using Router.Node.Hosting;
using Router.Node.TestModels;

// `Router.Node` runs a node; `Router.Node test-models ...` tests every model. Other arguments
// (--urls, --OPENROUTER_TIMEOUT=30, ...) are configuration, read by RouterConfiguration.
static RouterSettings? LoadSettings(string[] configArgs)
{
    try
    {
        return RouterSettings.Load(RouterConfiguration.Build(configArgs, Directory.GetCurrentDirectory()));
    }
    catch (RouterConfigurationException e)
    {
        Console.Error.WriteLine(e.Message);
        return null;
    }
}

var root = new RootCommand("Router: a clustered LLM request router for the OpenRouter API") { TreatUnmatchedTokensAsErrors = false };
root.Subcommands.Add(TestModelsCommand.Create(LoadSettings));
root.SetAction(async (parse, ct) =>
{
    var settings = LoadSettings([.. parse.UnmatchedTokens]);
    if (settings is null) return 2;
    RouterNode node;
    try
    {
        node = await RouterNode.StartAsync(settings, ct: ct);
    }
    catch (RouterConfigurationException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
    catch (InvalidOperationException e)
    {
        Console.Error.WriteLine("Router could not start: " + e.Message);
        return 3;
    }
    await using (node)
        await node.WaitForShutdownAsync(ct);
    return 0;
});
// Ctrl-C cancels the action (test-models then writes its partial report); allow time for a graceful cluster leave.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(45) });
