using System.CommandLine;
using System.Globalization;
using LDae.Rows;
using LDae.Harness.Results;

namespace LDae.Cli.Commands;

/// <summary>
/// `ldae fid --row table1/ROW [--profile P] [--seeds N] [--samples N] [--sampler ddim|ddpm] [--steps S] [--guidance W] [--inception PATH | --fetch-inception]`:
/// sample from a trained row, write its sample grid and its Fréchet distance to the test images into metrics.json.
/// </summary>
static class FidCommand
{
    public static Command Create(CliContext context)
    {
        var row = CliOptions.Row();
        var profile = CliOptions.Profile();
        var samples = CliOptions.Whole("--samples", "images to generate (and real test images to compare) [default: the profile's fid.samples]", min: 4);
        var steps = CliOptions.Whole("--steps", "sampling steps (network evaluations per image) [default: the profile's fid.steps]", min: 1);
        var sampler = new Option<string>("--sampler") { Description = "ddim (deterministic) or ddpm (ancestral) [default: the profile's fid.sampler]" };
        sampler.AcceptOnlyFromAmong("ddim", "ddpm");
        var guidance = new Option<string>("--guidance") { Description = "classifier-free guidance scale for class-conditional rows [default: the profile's fid.guidance, 1 = none]" };
        var inception = new Option<string>("--inception") { Description = "Inception-v3 TorchScript file (inception-2015-12-05.pt): FID proper [default: LDAE_INCEPTION; without it: FD-classifier]" };
        var fetch = CliOptions.Flag("--fetch-inception", "download the Inception-v3 TorchScript file first (to --inception, or the data cache)");
        var force = CliOptions.Flag("--force", "measure again although the row has a value at these settings");
        var seeds = CliOptions.Whole("--seeds", "measure seeds 1…N of the row (each in <row>/seed-<k>/) and write their mean to the row's metrics.json [default: the profile's seeds:]", min: 1);
        var set = CliOptions.Set();
        var command = new Command("fid", "sample from a trained row and measure the Fréchet distance to real test images (FID with Inception weights, else FD-classifier) → its metrics.json and figures/samples.png")
        {
            row, profile, samples, steps, sampler, guidance, inception, fetch, force, seeds, set,
            CliOptions.Device("sampling runs on the CPU"),
        };
        command.SetAction(parse =>
        {
            var registry = context.Registry();
            double? w = parse.GetValue(guidance) is { } text
                ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v
                  : throw new LDae.Harness.InputException($"--guidance {text}: expected a number ≥ 0")
                : null;
            var request = new GenerationRequest(CliOptions.KnownRow(registry, parse.GetValue(row)!), CliOptions.KnownProfile(registry, parse.GetValue(profile)!))
            {
                Samples = (int?)parse.GetValue(samples),
                Steps = (int?)parse.GetValue(steps),
                Sampler = parse.GetValue(sampler),
                Guidance = w,
                Inception = parse.GetValue(inception),
                FetchInception = parse.GetValue(fetch),
                Force = parse.GetValue(force),
                Seeds = (int?)parse.GetValue(seeds),
                Overrides = CliOptions.Overrides(parse, set),
            };
            new RowGeneration(registry, new ResultStore(context.Results), context.RepoRoot, context.Out).Run(request);
            return 0;
        });
        return command;
    }
}
