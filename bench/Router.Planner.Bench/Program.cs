using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Router.Planner.Bench.PlannerBenchmarks).Assembly).Run(args);
