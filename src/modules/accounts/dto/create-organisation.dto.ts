import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import {
  organisationKinds,
  type CreateOrganisationRequest,
  type OrganisationKind,
} from '../../../shared/api-contract';

const creatable = organisationKinds.filter((k) => k !== 'platform');

export class CreateOrganisationDto implements CreateOrganisationRequest {
  @ApiProperty()
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: creatable })
  @IsIn(creatable)
  kind!: Exclude<OrganisationKind, 'platform'>;
}
