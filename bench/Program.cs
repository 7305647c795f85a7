using BenchmarkDotNet.Running;

// Micro-benchmarks of core kernels: dotnet run -c Release --project bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
