// An unsigned byte as a float32 (exact).
module tqc_u8_to_f32 (
    input [7:0] x,
    output [31:0] y
);
    reg [2:0] lz;
    integer i;
    always @* begin
        lz = 3'd0;
        for (i = 0; i < 8; i = i + 1)
            if (x[i]) lz = 3'd7 - i[2:0];
    end
    /* verilator lint_off UNUSEDSIGNAL */
    wire [7:0] n = x << lz;                             // n[7] = 1 unless x = 0
    /* verilator lint_on UNUSEDSIGNAL */
    wire [7:0] e = 8'd134 - {5'd0, lz};
    assign y = x == 8'd0 ? 32'd0 : {1'b0, e, n[6:0], 16'd0};
endmodule
