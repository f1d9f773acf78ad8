using System.CommandLine;
using LDae.Data;
using LDae.Harness;
using LDae.Runtime;

namespace LDae.Cli.Commands;

static class DataCommand
{
    /// <summary>`ldae data [--cifar PATH]`: decode and cache Fashion-MNIST and the CIFAR-10 ImageFolder tarball.</summary>
    public static Command Create(CliContext context)
    {
        var cifar = new Option<string>("--cifar")
        {
            Description = "the CIFAR-10 ImageFolder tarball (relative to the checkout)",
            DefaultValueFactory = _ => "../shared/data/cifar10-jpeg.tar.gz",
        };
        var command = new Command("data", "prepare the data caches (Fashion-MNIST, the CIFAR-10 ImageFolder tarball) in $LDAE_DATA or <checkout>/.data")
        {
            cifar, CliOptions.Profile("every dataset is prepared"), CliOptions.Device("decoding runs on the CPU"),
            CliOptions.Flag("--force", "accepted and ignored (a cache is rebuilt only when it is stale or damaged)"),
        };
        command.SetAction(parse =>
        {
            var path = Repo.ResolvePath(parse.GetValue(cifar)!, context.RepoRoot);
            TorchRuntime.EnsureLoaded();
            var cache = Datasets.DefaultCacheDir();
            context.Out.WriteLine($"data cache: {cache}");
            foreach (var spec in new[] { new DatasetSpec("fashion-mnist"), new DatasetSpec("cifar10", path) })
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var file = Datasets.Prepare(spec, cache, context.Out);
                context.Out.WriteLine($"{spec.Name}: {file} ({watch.Elapsed.TotalSeconds:0.0} s)");
            }
            return 0;
        });
        return command;
    }
}
