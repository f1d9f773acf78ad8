using LDae.Data;

namespace LDae.Cli.Commands;

/// <summary>`ldae data [--cifar PATH]`: decode and cache Fashion-MNIST and CIFAR-10 (the ImageFolder copy --cifar or
/// LDAE_CIFAR10 names, else the official binary, downloaded if missing).</summary>
static class DataCommand
{
    public static int Run(CliArgs a)
    {
        var root = LDae.Harness.Repo.Root();
        var cifar = a.Get("cifar") is { } given ? LDae.Harness.Repo.ResolvePath(given, root) : Datasets.Cifar10CopyFromEnvironment();
        a.Get("profile"); a.Get("device"); a.Flag("force");
        a.RejectUnknown();
        var cache = Datasets.DefaultCacheDir();
        Console.WriteLine($"data cache: {cache}");
        foreach (var spec in new[] { new DatasetSpec("fashion-mnist"), new DatasetSpec("cifar10", cifar) })
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var file = Datasets.Prepare(spec, cache, Console.Out);
            Console.WriteLine($"{spec.Name}: {file} ({watch.Elapsed.TotalSeconds:0.0} s)");
        }
        return 0;
    }
}
