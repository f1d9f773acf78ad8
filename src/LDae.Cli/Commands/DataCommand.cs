using LDae.Data;

namespace LDae.Cli.Commands;

/// <summary>`ldae data [--cifar PATH]`: decode and cache Fashion-MNIST and the CIFAR-10 ImageFolder tarball.</summary>
static class DataCommand
{
    public static int Run(CliArgs a)
    {
        var root = LDae.Harness.Repo.Root();
        var cifar = LDae.Harness.Repo.ResolvePath(a.Get("cifar", "../shared/data/cifar10-jpeg.tar.gz"), root);
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
