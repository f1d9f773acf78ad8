namespace LDae.Cli.Commands;

// Wired as the method's parts land (data loaders, denoiser, trainer, probes).
static class RunCommand
{
    public static int Run(CliArgs a) => throw new CliException("not built yet");
    public static int Pretrain(CliArgs a) => throw new CliException("not built yet");
    public static int Probe(CliArgs a) => throw new CliException("not built yet");
}

static class TokenizerCommand { public static int Run(CliArgs a) => throw new CliException("not built yet"); }

static class DataCommand { public static int Run(CliArgs a) => throw new CliException("not built yet"); }
