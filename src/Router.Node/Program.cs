using Router.Node.Configuration;
using Router.Node.Hosting;

RouterSettings settings;
try
{
    settings = RouterSettings.Load(RouterConfiguration.Build(args, Directory.GetCurrentDirectory()));
}
catch (RouterConfigurationException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

RouterNode node;
try
{
    node = await RouterNode.StartAsync(settings);
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine("Router could not start: " + e.Message);
    return 3;
}
await using (node)
    await node.WaitForShutdownAsync();
return 0;
