using LDae.Cli;
using LDae.Cli.Commands;
using LDae.Harness.Config;

// ldae: one row, one process. Every command reads its configuration from experiments/ (or a YAML file).
var commands = new Dictionary<string, (string Help, Func<CliArgs, int> Run)>
{
    ["run"] = ("pretrain + probe one row → results/<profile>/<row>/metrics.json", RunCommand.Run),
    ["pretrain"] = ("pretrain one row (resumes from its checkpoint)", RunCommand.Pretrain),
    ["probe"] = ("linear + kNN probe of a pretrained row", RunCommand.Probe),
    ["tokenizer"] = ("fit/train a tokenizer artifact (--artifact tokenizer/NAME)", TokenizerCommand.Run),
    ["data"] = ("prepare the data caches (Fashion-MNIST, CIFAR-10 tarball)", DataCommand.Run),
    ["resolve"] = ("print a row's resolved configuration and hash", ResolveCommand.Run),
    ["plan"] = ("list the build targets of a profile", ResolveCommand.Plan),
    ["report"] = ("plots + results/<profile>/report/index.md and index.html, from results only", ReportCommand.Run),
    ["estimate"] = ("estimated time of a build target on this machine, per row and in total (--target, --profile, --json)", EstimateCommand.Run),
    ["bench"] = ("training/probe throughput, FLOP/s vs matmul, RSS growth (--profile, --steps, --threads, --replicas, --json)", BenchCommand.Run),
};

var cli = new CliArgs(args);
if (!commands.TryGetValue(cli.Command, out var command))
{
    Console.WriteLine("usage: ldae <command> [--row table/row | --config file.yaml] [--profile ci|quick|quick-cifar10|cpu|paper] [--device cpu|cuda] [--force]");
    foreach (var (name, (help, _)) in commands) Console.WriteLine($"  {name,-10} {help}");
    return cli.Command == "help" ? 0 : 2;
}
try
{
    return command.Run(cli);
}
catch (Exception e) when (e is CliException or ConfigException or ArgumentException or FileNotFoundException or InvalidDataException)
{
    // A wrong command line, configuration or input file: the message says what to change.
    Console.Error.WriteLine($"ldae {cli.Command}: {e.Message}");
    return 2;
}
catch (Exception e)
{
    // A run that failed (e.g. a diverging loss or a refused perceptual network): the message first, then where.
    Console.Error.WriteLine($"ldae {cli.Command}: failed: {e.Message}");
    Console.Error.WriteLine(e.ToString());
    return 1;
}
