// tqc_floordiv: floor division (MOD 0) or floor modulo (MOD 1) of two streams in lock step,
// L elements per beat: LiteRT FLOOR_DIV / FLOOR_MOD on stored integers (Python's // and %).
// The operands are W-bit two's complement holding N-bit values (int8 / int16 widened: only the
// low N bits are read); one restoring divider per lane on the magnitudes |a| and |b| (N bits:
// |MIN| = 2^(N-1) fits), N iterations, then the signs:
//   qa = |a| / |b|, ra = |a| % |b|, neg = sign(a) != sign(b), up = neg && ra != 0
//   MOD 0: q = neg ? -(qa + up) : qa             (floor; MIN / -1 = 2^(N-1), W > N bits)
//   MOD 1: m = up ? |b| - ra : ra; r = (up ? sign(b) : sign(a)) ? -m : m   (the sign of b)
// A zero divisor gives an unspecified result (tqi.nonzero_check in front raises err).
// Cycles: one to load a beat, N iterations; the result register frees the divider, so beats
// follow every N + 1 cycles. One (N+1)-bit subtractor and 3N + 2 flip-flops per lane.
module tqc_floordiv #(
    parameter W = 32,
    parameter N = 16,
    parameter L = 1,
    parameter MOD = 0,
    parameter CW = 5            // bits of the iteration counter (holds N)
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
    localparam integer N_I = N;
    localparam [CW-1:0] ITER = N_I[CW-1:0];
    reg busy;
    reg [CW-1:0] cnt;           // iterations left
    reg o_valid;
    reg [L*W-1:0] o_data;
    wire finish = busy && cnt == {CW{1'b0}} && (!o_valid || out_ready);
    wire fire = a_valid && b_valid && (!busy || finish);
    wire step = busy && cnt != {CW{1'b0}};
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
    assign out_valid = o_valid;
    assign out_data = o_data;
    always @(posedge clk) begin
        if (rst) begin
            busy <= 1'b0;
            cnt <= {CW{1'b0}};
            o_valid <= 1'b0;
        end else begin
            if (fire) begin
                busy <= 1'b1;
                cnt <= ITER;
            end else if (finish) busy <= 1'b0;
            else if (step) cnt <= cnt - 1'b1;
            if (finish) o_valid <= 1'b1;
            else if (out_ready) o_valid <= 1'b0;
        end
        if (finish) o_data <= r;
    end
endmodule
