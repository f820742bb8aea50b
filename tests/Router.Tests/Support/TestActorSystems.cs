using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Akka.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Router.Actors.Serialization;

namespace Router.Tests.Support;

/// <summary>
/// Actor systems for actor tests, composed as a node composes its own (Akka.Hosting, Router's serializer
/// registration) with the test's HOCON on top: a test exercises the serializer the node uses, not a copy of its binding.
/// </summary>
public static class TestActorSystems
{
    public static ActorSystem Create(string hocon, string name = "test")
    {
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka(name, builder => builder
                .AddHocon(hocon, HoconAddMode.Prepend)
                .AddHocon(TestKitBase.DefaultConfig, HoconAddMode.Append)
                .AddHocon(ActorMaterializer.DefaultConfig(), HoconAddMode.Append)
                .AddRouterSerialization()))
            .Build();
        host.Start();
        var system = host.Services.GetRequiredService<ActorSystem>();
        system.WhenTerminated.ContinueWith(_ => host.Dispose(), TaskScheduler.Default);
        return system;
    }
}
