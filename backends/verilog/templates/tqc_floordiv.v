// tqc_floordiv: floor division (MOD 0) or floor modulo (MOD 1) of two streams in lock step,
// L elements per beat: LiteRT FLOOR_DIV / FLOOR_MOD on stored integers (Python's // and %).
// The operands are W-bit two's complement holding N-bit values (int8 / int16 widened: only the
// low N bits are read); one restoring divider per lane on the magnitudes |a| and |b| (N bits:
// |MIN| = 2^(N-1) fits), N iterations, then the signs:
//   qa = |a| / |b|, ra = |a| % |b|, neg = sign(a) != sign(b), up = neg && ra != 0
//   MOD 0: q = neg ? -(qa + up) : qa             (floor; MIN / -1 = 2^(N-1), W > N bits)
//   MOD 1: m = up ? |b| - ra : ra; r = (up ? sign(b) : sign(a)) ? -m : m   (the sign of b)
// A zero divisor gives an unspecified result (tqi.nonzero_check in front raises err).
// Cycles (tqc_multicycle): one to load a beat, N iterations; the result register frees the
// divider, so beats follow every N + 1 cycles. One (N+1)-bit subtractor and 3N + 2 flip-flops per lane.
module tqc_floordiv #(
    parameter W = 32,
    parameter N = 16,
    parameter L = 1,
    parameter MOD = 0,
    parameter CW = 5            // bits of the iteration counter (holds N + 1)
) (
    input clk,
    input rst,
    input a_valid,
    output a_ready,
    /* verilator lint_off UNUSEDSIGNAL */
    input [L*W-1:0] a_data,     // the low N bits of each lane are read
    input b_valid,
    output b_ready,
    input [L*W-1:0] b_data,
    /* verilator lint_on UNUSEDSIGNAL */
    output out_valid,
    input out_ready,
    output [L*W-1:0] out_data
);
    wire fire, step;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [CW-1:0] n;            // the iteration (tqc_multicycle counts; the lanes need only step)
    /* verilator lint_on UNUSEDSIGNAL */
    wire [L*W-1:0] r;
    genvar i;
    generate
        for (i = 0; i < L; i = i + 1) begin : lane
            wire [N-1:0] a = a_data[i*W +: N];
            wire [N-1:0] b = b_data[i*W +: N];
            reg sa, sb;
            reg [N-1:0] q;      // |a|, shifted out at the top as the quotient shifts in
            reg [N-1:0] d;      // |b|
            reg [N-1:0] rem;    // partial remainder (< d)
            wire [N:0] t = {rem, q[N-1]};
            wire [N:0] diff = t - {1'b0, d};
            wire ge = !diff[N];
            always @(posedge clk) begin
                if (fire) begin
                    sa <= a[N-1];
                    sb <= b[N-1];
                    q <= a[N-1] ? -a : a;
                    d <= b[N-1] ? -b : b;
                    rem <= {N{1'b0}};
                end else if (step) begin
                    rem <= ge ? diff[N-1:0] : t[N-1:0];
                    q <= {q[N-2:0], ge};
                end
            end
            wire up = (sa ^ sb) && rem != {N{1'b0}};
            wire [W-1:0] m;
            wire s;
            if (MOD == 0) begin : div
                assign m = {{(W-N){1'b0}}, q} + {{(W-1){1'b0}}, up};
                assign s = sa ^ sb;
            end else begin : mod
                assign m = {{(W-N){1'b0}}, up ? d - rem : rem};
                assign s = up ? sb : sa;
            end
            assign r[i*W +: W] = s ? -m : m;
        end
    endgenerate
    assign a_ready = fire;
    assign b_ready = fire;
    tqc_multicycle #(.STEPS(N), .CW(CW), .DW(L*W)) ctl (
        .clk(clk), .rst(rst), .in_valid(a_valid && b_valid), .fire(fire), .run(step), .step(n),
        .r(r), .out_valid(out_valid), .out_ready(out_ready), .out_data(out_data)
    );
endmodule
