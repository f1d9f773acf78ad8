using System.CommandLine;
using LDae.Data;
using LDae.Harness;
using LDae.Files;
using LDae.Rows;
using LDae.Runtime;
using System.Text.Json;

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
        command.Subcommands.Add(CreateDigest(context));
        return command;
    }

    /// <summary>
    /// `ldae data digest [--profile P] [--set KEY=VALUE]… [--json PATH]`: the content digest of the data the profile's
    /// rows train and are evaluated on (LDae.Data.DataDigest), from beside the data cache, building the cache first
    /// where there is none. --json writes every row's digest instead (what the build compares results with).
    /// </summary>
    static Command CreateDigest(CliContext context)
    {
        var profile = CliOptions.Profile();
        var set = CliOptions.Set();
        var json = new Option<string>("--json") { Description = "write every row's digest as JSON to this file instead of printing: {\"profile\": P, \"rows\": {\"table/row\": digest, …}}" };
        var command = new Command("digest", "the content digest of a profile's data (SHA-256 of the decoded pixels and labels, the same for any copy of the same data); builds the data cache if needed")
        {
            profile, set, json, CliOptions.Device("decoding runs on the CPU"), CliOptions.Flag("--force", "accepted and ignored"),
        };
        command.SetAction(parse =>
        {
            var registry = context.Registry();
            var name = CliOptions.KnownProfile(registry, parse.GetValue(profile)!);
            var overrides = CliOptions.Overrides(parse, set);
            var digests = new RowDataDigests(context.RepoRoot, context.Error);
            var rows = new SortedDictionary<string, string>(StringComparer.Ordinal);
            var printed = new HashSet<DatasetSpec>();
            foreach (var row in registry.Rows)
            {
                var config = registry.Resolve(row, name, overrides);
                rows[row.FullId] = digests.Of(config);
                var spec = RunSettings.Dataset(config, context.RepoRoot);
                if (printed.Add(spec) && parse.GetValue(json) is null)
                    context.Out.WriteLine($"{rows[row.FullId]}  {Describe(spec)} (cache {Datasets.CacheFile(spec, Datasets.DefaultCacheDir())})");
            }
            if (parse.GetValue(json) is { } path)
                AtomicFile.WriteText(path, JsonSerializer.Serialize(new { profile = name, rows }, new JsonSerializerOptions { WriteIndented = true }) + "\n");
            return 0;
        });
        return command;
    }

    static string Describe(DatasetSpec spec) =>
        $"{spec.Name}{(spec.Path is { } p ? $" from {p}" : "")}, {(spec.ImageSize is { } s ? $"{s} px" : "native size")}";
}
