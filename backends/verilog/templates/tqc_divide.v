// tqc_divide: the quantized quotient of DIV (reference_ops::DivElementwise, LiteRT REF int16;
// tqi.divide, tqc.semantics.divide) of two streams of int32 in lock step, L elements per beat:
// a = x1 - zp1, b = x2 - zp2 (|a|, |b| < 2^31; b != 0), out before the output zero point.
// Per lane, the reference's operations in its order, one SaturatingRoundingDoublingHighMul
// (SRDHM) per cycle on one 32 x 32 multiplier:
//   load:  if b < 0: a, b = -a, -b
//          lz = CountLeadingZeros(b); hd = RoundingHalfSum(b << lz - 2^31, INT32_MAX)
//             = {01, (b << lz)[30:1]}                       (GetReciprocal's half denominator)
//          hr = CountLeadingSignBits(a); as = a << hr
//          e = (31 - lz) + hr - SHIFT                        (-total_shift; only e mod 64 is used)
//   1:     x = 48/17 + SRDHM(hd, -32/17)                    (Q2.29, int32 wrap)
//   2,4,6: t = 1 - SRDHM(hd, x)                             (Newton-Raphson, three steps)
//   3,5,7: x = x + SaturatingRoundingMultiplyByPOT<2>(SRDHM(x, t))
//   8:     q = SRDHM(as, SaturatingRoundingMultiplyByPOT<1>(x))   (1/b as Q0.31 times a)
//   9:     s = SRDHM(q, MULT)
//   out:   RoundingDivideByPOT(s, e) as x86 evaluates it for any e: k = e & 63,
//          mask = k >= 32 ? -1 : 2^k - 1, (s >>> (k & 31)) + ((s & mask) > (mask >>> 1) + (s < 0))
// A zero divisor gives an unspecified result (tqi.nonzero_check in front raises err).
// Cycles: one to load a beat, 9 multiply steps; the result register frees the datapath, so
// beats follow every 10 cycles. Per lane one 32 x 32 signed multiplier and 166 flip-flops
// (a << hr, hd, x, t, e, the result); yosys synth_xilinx, L = 1: 4 DSP48E1, ~1100 LUTs.
module tqc_divide #(
    parameter L = 1,
    parameter signed [31:0] MULT = 32'sd1073741824,    // output_multiplier
    parameter signed [31:0] SHIFT = 0                  // output_shift
) (
    input clk,
    input rst,
    input a_valid,
    output a_ready,
    input [L*32-1:0] a_data,
    input b_valid,
    output b_ready,
    input [L*32-1:0] b_data,
    output out_valid,
    input out_ready,
    output [L*32-1:0] out_data
);
`include "tqc_fixedpoint.vh"
    localparam [31:0] E0 = 32'd31 - SHIFT;              // e = E0 - lz + hr (mod 64)

    // SaturatingRoundingMultiplyByPOT<e> for e = 1, 2: a saturating left shift
    function [31:0] sat_shl;
        input [31:0] x;
        input [1:0] e;
        reg [31:0] thr;
        begin
            thr = 32'h7FFFFFFF >> e;
            if ($signed(x) > $signed(thr)) sat_shl = 32'h7FFFFFFF;
            else if ($signed(x) < -$signed(thr)) sat_shl = 32'h80000000;
            else sat_shl = x << e;
        end
    endfunction

    // gemmlowp RoundingDivideByPOT(x, e) as x86 runs it for any e, from k = e & 63: the mask
    // int32((1ll << k) - 1) (all ones for k >= 32) and the shift x >> (k & 31)
    function [31:0] rdbp_x86;
        input [31:0] x;
        input [5:0] k;
        reg [31:0] mask, thr, shifted;
        begin
            mask = k[5] ? 32'hFFFFFFFF : (32'd1 << k[4:0]) - 32'd1;
            thr = $unsigned($signed(mask) >>> 1) + {31'd0, x[31]};
            shifted = $unsigned($signed(x) >>> k[4:0]);
            rdbp_x86 = shifted + {31'd0, $signed(x & mask) > $signed(thr)};
        end
    endfunction

    wire fire, run;
    wire [3:0] step;            // 1..9: the multiply steps (tqc_multicycle)
    wire [L*32-1:0] r;
    genvar i;
    generate
        for (i = 0; i < L; i = i + 1) begin : lane
            wire [31:0] a = a_data[i*32 +: 32];
            wire [31:0] b = b_data[i*32 +: 32];
            wire [31:0] na = b[31] ? 32'd0 - a : a;
            wire [31:0] nb = b[31] ? 32'd0 - b : b;
            wire [5:0] lz = tqc_clz32(nb);
            wire [5:0] hr = tqc_clz32(na ^ {32{na[31]}}) - 6'd1;
            /* verilator lint_off UNUSEDSIGNAL */
            wire [31:0] nb_norm = nb << lz[4:0];
            /* verilator lint_on UNUSEDSIGNAL */
            reg [31:0] as;      // a << hr
            reg [31:0] hd;      // the half denominator, Q0.31
            reg [31:0] xr;      // x (Q2.29), then s
            reg [31:0] tr;      // 1 - hd * x (Q2.29), then q
            reg [5:0] e;        // -total_shift mod 64
            reg [31:0] ma, mb;
            always @(*) begin
                case (step)
                    4'd1: begin ma = hd; mb = 32'hC3C3C3C4; end         // -32/17 in Q2.29
                    4'd2, 4'd4, 4'd6: begin ma = hd; mb = xr; end
                    4'd8: begin ma = as; mb = sat_shl(xr, 2'd1); end   // 1/b in Q0.31
                    4'd9: begin ma = tr; mb = MULT; end
                    default: begin ma = xr; mb = tr; end                // 3, 5, 7
                endcase
            end
            wire [63:0] prod = {{32{ma[31]}}, ma} * {{32{mb[31]}}, mb};
            wire [31:0] srdhm = tqc_mul_high_finish(prod);
            always @(posedge clk) begin
                if (fire) begin
                    as <= na << hr[4:0];
                    hd <= {2'b01, nb_norm[30:1]};
                    e <= E0[5:0] - lz + hr;
                end else if (run) begin
                    case (step)
                        4'd1: xr <= 32'd1515870810 + srdhm;                 // 48/17 + ...
                        4'd2, 4'd4, 4'd6: tr <= 32'h20000000 - srdhm;      // 1 - hd * x
                        4'd3, 4'd5, 4'd7: xr <= xr + sat_shl(srdhm, 2'd2); // x + x * (1 - hd * x)
                        4'd8: tr <= srdhm;                                 // q
                        default: xr <= srdhm;                              // 9: s
                    endcase
                end
            end
            assign r[i*32 +: 32] = rdbp_x86(xr, e);
        end
    endgenerate
    assign a_ready = fire;
    assign b_ready = fire;
    tqc_multicycle #(.STEPS(9), .CW(4), .DW(L*32)) ctl (
        .clk(clk), .rst(rst), .in_valid(a_valid && b_valid), .fire(fire), .run(run), .step(step),
        .r(r), .out_valid(out_valid), .out_ready(out_ready), .out_data(out_data)
    );
endmodule
