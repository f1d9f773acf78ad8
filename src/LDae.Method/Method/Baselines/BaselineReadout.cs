namespace LDae.Method.Baselines;

/// <summary>Which encoder blocks a probe of a baseline reads.</summary>
public static class BaselineReadout
{
    /// <summary>
    /// The baseline's encoder is the l-DAE encoder half alone, so the row's probe.blocks (depth/2 + probe.split) counts
    /// the same blocks: the default (split 0) is the whole encoder; a readout beyond it does not exist.
    /// </summary>
    public static int Blocks(ProbeReadout? readout, VitEncoder encoder) => readout?.Blocks ?? encoder.Depth;
}
