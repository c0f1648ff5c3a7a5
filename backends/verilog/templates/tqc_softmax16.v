// tqc_softmax16: int16 SOFTMAX over rows of N elements (tqi.softmax_lut,
// reference_ops::SoftmaxInt16), one element at a time through a small state machine:
//
//   load:   the row into a buffer, and its maximum;
//   pass 1: per element, d = x - max; s = MultiplyByQuantizedMultiplier(d, MUL, SHIFT)
//           (int32 wrapping left shift, SaturatingRoundingDoublingHighMul, RoundingDivideByPOT);
//           e = LUT(EXP, clamp(s + 32767, -32768, 32767)); e goes to a second buffer, sum += e
//           (int32);
//   recip:  h = CountLeadingZeros(sum); ss = ((int64 sum << (h - 1)) + 2^13) >> 14;
//           r = LUT(RECIP, clamp(ss - 98304, -32768, 32767));
//   pass 2: out = clamp((int64 e * r + 2^(30 - h)) >> (31 - h), 0, 32767), one per beat.
// LUT(T, v): T[256 + (v >> 7)] + ((slope * (v & 127) + 64) >> 7), slope = T[i+1] - T[i], int16
// wrap-around on the slope and the result (LUTLookup of 513-entry int16 tables, from ROM files).
// Cycles per row: N (load) + 4N (pass 1) + 2 (reciprocal) + N (pass 2).
module tqc_softmax16 #(
    parameter N = 1,            // row length
    parameter NAW = 1,          // row buffer address width
    parameter signed [31:0] MUL = 32'h40000000,
    parameter integer LEFT = 0,     // left shift of MultiplyByQuantizedMultiplier (0..31)
    parameter integer RIGHT = 0,    // right shift (0..31)
    parameter EXPFILE = "exp.hex",
    parameter RECIPFILE = "recip.hex"
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [15:0] in_data,
    output out_valid,
    input out_ready,
    output [15:0] out_data
);
`include "tqc_fixedpoint.vh"
    localparam integer LAST_I = N - 1;
    localparam [NAW-1:0] LAST = LAST_I[NAW-1:0];
    localparam [2:0] S_LOAD = 3'd0, S_READ = 3'd1, S_MUL = 3'd2, S_SCALE = 3'd3, S_EXP = 3'd4,
                     S_HEAD = 3'd5, S_RECIP = 3'd6, S_OUT = 3'd7;

    reg [15:0] exp_lut [0:512];
    reg [15:0] recip_lut [0:512];
    initial $readmemh(EXPFILE, exp_lut);
    initial $readmemh(RECIPFILE, recip_lut);

    // LUTLookup: v in [-32768, 32767]
    function [15:0] lut_value;
        input [15:0] base;
        input [15:0] next;
        input [6:0] offset;
        reg [15:0] slope;
        /* verilator lint_off UNUSEDSIGNAL */
        reg [31:0] t;
        /* verilator lint_on UNUSEDSIGNAL */
        begin
            slope = next - base;                                    // int16 wrap
            t = {{16{slope[15]}}, slope} * {25'd0, offset} + 32'd64;
            lut_value = base + t[22:7];                             // >> 7, int16 wrap
        end
    endfunction

    // clamp a 32-bit value to int16
    function [15:0] sat16;
        input [31:0] v;
        begin
            if ($signed(v) < -32'sd32768) sat16 = 16'h8000;
            else if ($signed(v) > 32'sd32767) sat16 = 16'h7FFF;
            else sat16 = v[15:0];
        end
    endfunction

    reg [2:0] state;
    reg [NAW-1:0] ptr;
    reg [15:0] row_max;
    reg [15:0] xbuf [0:N-1];
    reg [15:0] ebuf [0:N-1];
    reg [15:0] x;               // the element pass 1 works on
    reg [63:0] prod;
    reg [15:0] v;               // its clamped, offset scaled difference
    reg [31:0] sum;
    reg [5:0] headroom;
    reg [15:0] recip;
    reg o_valid;
    reg [15:0] o_data;

    wire wr = in_valid && state == S_LOAD;
    assign in_ready = state == S_LOAD;
    wire [15:0] row_max_next = (ptr == {NAW{1'b0}} || $signed(in_data) > $signed(row_max))
                               ? in_data : row_max;

    // pass 1 arithmetic
    wire [31:0] diff = {{16{x[15]}}, x} - {{16{row_max[15]}}, row_max};
    wire [31:0] shifted = diff << LEFT;
    wire [31:0] scaled = tqc_shift_right_round(tqc_mul_high_finish(prod), RIGHT[4:0]);
    wire [9:0] v_index = 10'd256 + {v[15], v[15:7]};
    wire [15:0] e = lut_value(exp_lut[v_index], exp_lut[v_index + 10'd1], v[6:0]);

    // reciprocal
    /* verilator lint_off UNUSEDSIGNAL */
    wire [63:0] sum_shifted = ({32'd0, sum} << (headroom - 6'd1)) + 64'd8192;
    wire [31:0] ss = sum_shifted[45:14];
    wire [15:0] sym = sat16(ss - 32'd98304);
    /* verilator lint_on UNUSEDSIGNAL */
    wire [9:0] s_index = 10'd256 + {sym[15], sym[15:7]};
    wire [15:0] r = lut_value(recip_lut[s_index], recip_lut[s_index + 10'd1], sym[6:0]);

    // pass 2 arithmetic
    wire [5:0] rshift = 6'd31 - headroom;
    wire [15:0] eo = ebuf[ptr];
    wire [63:0] er = {{48{eo[15]}}, eo} * {{48{recip[15]}}, recip};
    wire [63:0] er_round = er + (64'd1 << (rshift - 6'd1));
    wire [63:0] result = $unsigned($signed(er_round) >>> rshift);
    wire [15:0] result16 = $signed(result) < 0 ? 16'd0
                           : ($signed(result) > 64'sd32767 ? 16'h7FFF : result[15:0]);
    wire o_free = !o_valid || out_ready;

    always @(posedge clk) begin
        if (wr) xbuf[ptr] <= in_data;
        if (state == S_EXP) ebuf[ptr] <= e;
    end

    always @(posedge clk) begin
        if (rst) begin
            state <= S_LOAD;
            ptr <= {NAW{1'b0}};
            o_valid <= 1'b0;
        end else begin
            if (o_valid && out_ready) o_valid <= 1'b0;
            case (state)
                S_LOAD: if (wr) begin
                    row_max <= row_max_next;
                    if (ptr == LAST) begin
                        ptr <= {NAW{1'b0}};
                        sum <= 32'd0;
                        state <= S_READ;
                    end else ptr <= ptr + 1'b1;
                end
                S_READ: begin
                    x <= xbuf[ptr];
                    state <= S_MUL;
                end
                S_MUL: begin
                    prod <= {{32{shifted[31]}}, shifted} * {{32{MUL[31]}}, MUL};
                    state <= S_SCALE;
                end
                S_SCALE: begin
                    v <= sat16(scaled + 32'd32767);
                    state <= S_EXP;
                end
                S_EXP: begin
                    sum <= sum + {{16{e[15]}}, e};
                    if (ptr == LAST) begin
                        ptr <= {NAW{1'b0}};
                        state <= S_HEAD;
                    end else begin
                        ptr <= ptr + 1'b1;
                        state <= S_READ;
                    end
                end
                S_HEAD: begin
                    headroom <= tqc_clz32(sum);
                    state <= S_RECIP;
                end
                S_RECIP: begin
                    recip <= r;
                    ptr <= {NAW{1'b0}};
                    state <= S_OUT;
                end
                default: if (o_free) begin  // S_OUT
                    o_valid <= 1'b1;
                    o_data <= result16;
                    if (ptr == LAST) begin
                        ptr <= {NAW{1'b0}};
                        state <= S_LOAD;
                    end else ptr <= ptr + 1'b1;
                end
            endcase
        end
    end
    assign out_valid = o_valid;
    assign out_data = o_data;
endmodule
