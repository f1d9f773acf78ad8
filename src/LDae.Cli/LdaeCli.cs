using System.CommandLine;
using LDae.Cli.Commands;
using LDae.Data;
using LDae.Rows;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Files;

namespace LDae.Cli;

/// <summary>
/// The <c>ldae</c> command: one row (or artifact, report, benchmark) per process. Exit codes: 0 done; 1 the run
/// failed (the message, then where); 2 a wrong option, configuration, file or folder (one line naming it);
/// 3 the row needs a part of the method that does not exist yet.
/// </summary>
public static class LdaeCli
{
    public const int Failed = 1, InputError = 2, Unavailable = 3;

    /// <summary>Runs the command line <paramref name="args"/> in the checkout around the current directory.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) => Run(args, output, error, () => Repo.Root());

    /// <summary>Runs <paramref name="args"/> in the checkout at <paramref name="repoRoot"/> (tests use a copy).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, Func<string> repoRoot)
    {
        var context = new CliContext(output, error, repoRoot);
        var root = Build(context);
        var parse = root.Parse(args);
        string command = parse.CommandResult.Command is RootCommand ? "ldae" : $"ldae {parse.CommandResult.Command.Name}";
        if (parse.Errors.Count > 0)
        {
            error.WriteLine($"{command}: {string.Join("; ", parse.Errors.Select(Describe))} (see {command} --help)");
            return InputError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (Exception e) when (e is InputException or DatasetException or StorageException or ArtifactException or ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            error.WriteLine($"{command}: {OneLine(e.Message)}");
            return InputError;
        }
        catch (RowUnavailableException e)
        {
            error.WriteLine(OneLine(e.Message));
            return Unavailable;
        }
        catch (Exception e) when (StorageFailure.Describe(e) is { } why)
        {
            // The machine refused a file (a full disk, a read-only or foreign folder): what to fix, not where it broke.
            error.WriteLine($"{command}: {OneLine(e.Message)} ({why})");
            return InputError;
        }
        catch (Exception e)
        {
            // A run that failed (a diverging loss, a refused perceptual network): the message first, then where.
            error.WriteLine($"{command}: failed: {OneLine(e.Message)}");
            error.WriteLine(e.ToString());
            return Failed;
        }
    }

    static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("LDae: every row of the paper's tables as one process (results/<profile>/<table>/<row>/)")
        {
            RunCommand.Create(context, "run", RowStage.PretrainAndProbe, "pretrain + probe one row → results/<profile>/<table>/<row>/metrics.json (resumes an interrupted run)"),
            RunCommand.Create(context, "pretrain", RowStage.PretrainOnly, "pretrain one row (resumes from its checkpoint); `ldae probe` then probes it"),
            RunCommand.Create(context, "probe", RowStage.ProbeOnly, "linear + kNN probe of a pretrained row (keeps its training numbers)"),
            TokenizerCommand.Create(context),
            DataCommand.Create(context),
            ResultsCommand.Create(context),
            ResolveCommand.Create(context),
            ResolveCommand.CreatePlan(context),
            ReportCommand.Create(context),
            EstimateCommand.Create(context),
            BenchCommand.Create(context),
            FidCommand.Create(context),
        };
        root.SetAction(_ => root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = context.Out })); // no command: the overview
        return root;
    }

    /// <summary>A parse error on one line, naming the option it is about.</summary>
    static string Describe(System.CommandLine.Parsing.ParseError error)
    {
        var message = OneLine(error.Message).TrimEnd('.');
        var option = error.SymbolResult switch
        {
            System.CommandLine.Parsing.OptionResult o => o.Option,
            System.CommandLine.Parsing.ArgumentResult { Parent: System.CommandLine.Parsing.OptionResult o } => o.Option,
            _ => null,
        };
        return option is null || message.Contains(option.Name, StringComparison.Ordinal) ? message : $"{option.Name}: {message}";
    }

    static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
