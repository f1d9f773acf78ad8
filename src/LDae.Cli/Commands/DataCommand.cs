using System.CommandLine;
using LDae.Data;
using LDae.Harness;
using LDae.Runtime;

namespace LDae.Cli.Commands;

static class DataCommand
{
    /// <summary>`ldae data [--cifar PATH]`: decode and cache Fashion-MNIST and CIFAR-10 (the ImageFolder copy --cifar or
    /// LDAE_CIFAR10 names, else the official binary, downloaded if missing).</summary>
    public static Command Create(CliContext context)
    {
        var cifar = new Option<string>("--cifar")
        {
            Description = $"a CIFAR-10 copy in ImageFolder form (folder, .tar or .tar.gz; relative to the checkout); default: ${Datasets.Cifar10PathVariable}, else the official binary",
        };
        var command = new Command("data", "prepare the data caches (Fashion-MNIST, CIFAR-10) in $LDAE_DATA or <checkout>/.data")
        {
            cifar, CliOptions.Profile("every dataset is prepared"), CliOptions.Device("decoding runs on the CPU"),
            CliOptions.Flag("--force", "accepted and ignored (a cache is rebuilt only when it is stale or damaged)"),
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(cifar) is { } given ? Repo.ResolvePath(given, context.RepoRoot) : Datasets.Cifar10CopyFromEnvironment();
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
